import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyEngineContract } from './engine.contract.ts';

/** The rego backend (src/rego) over the contract policy, as .rego source plus a data.json document. */
const source = join(dirname(fileURLToPath(import.meta.url)), '../../../testkit/fixtures/wasm/contract-policy.rego');

policyEngineContract({
  engine: 'rego',
  async writeSet(dir, adminRoles) {
    mkdirSync(join(dir, 'policies'), { recursive: true });
    copyFileSync(source, join(dir, 'policies', 'authz.rego'));
    writeFileSync(join(dir, 'policies', 'data.json'), JSON.stringify({ contract: { admin_roles: adminRoles } }));
    return ['policies'];
  },
  async breakSet(dir) {
    const broken = `${readFileSync(source, 'utf8')}\nallow := = 1\n`;
    writeFileSync(join(dir, 'policies', 'authz.rego'), broken);
    const row = broken.split('\n').indexOf('allow := = 1') + 1;
    return new RegExp(`^policies/authz\\.rego:${row}:10: rego_parse_error: `);
  },
});
