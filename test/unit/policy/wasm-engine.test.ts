import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileWat, writeBundle } from '../../../testkit/fixtures/wasm/build.ts';
import { policyEngineContract } from './engine.contract.ts';

/**
 * The wasm backend runs the real @open-policy-agent/opa-wasm loader over a hand-written module
 * (testkit/fixtures/wasm/contract-policy.wat) that implements OPA's wasm ABI for the contract
 * policy: no OPA compiler exists on our machines to produce one from Rego.
 */
const wasm = compileWat('contract-policy.wat');

policyEngineContract({
  engine: 'wasm',
  async writeSet(dir, adminRoles) {
    writeBundle(dir, { 'policy.wasm': await wasm, 'data.json': JSON.stringify({ contract: { admin_roles: adminRoles } }) });
    return ['bundle.tar.gz'];
  },
  async breakSet(dir) {
    writeFileSync(join(dir, 'bundle.tar.gz'), 'this is not gzip');
    return /^bundle\.tar\.gz: not a readable OPA bundle \(.*header check/;
  },
});
