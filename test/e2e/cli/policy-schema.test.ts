import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWarden as warden } from '../../../testkit/support/gateway-process.ts';

/** `warden policy check|eval --schema` (issue 12, item 9): opa's -s, as a user runs it. */
const SCHEMA = fileURLToPath(new URL('../../../packages/rego/test/semantics/fixtures/admission-schema.json', import.meta.url));

// The example of OPA's schema docs: `kinds` is a typo for `kind`.
const POLICY = `package kubernetes.admission

deny contains msg if {
	input.request.kind.kinds == "Pod"
	image := input.request.object.spec.containers[_].image
	not startswith(image, "hooli.com/")
	msg := sprintf("image '%v' comes from untrusted registry", [image])
}
`;
const ANNOTATED = `package kubernetes.admission

# METADATA
# schemas:
#   - input: schema.kubernetes.admission
deny contains msg if {
	input.request.kind.kinds == "Pod"
	msg := "pod"
}
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-schema-cli-'));
  mkdirSync(join(dir, 'plain'));
  mkdirSync(join(dir, 'annotated'));
  mkdirSync(join(dir, 'schemas', 'kubernetes'), { recursive: true });
  writeFileSync(join(dir, 'plain', 'pod.rego'), POLICY);
  writeFileSync(join(dir, 'annotated', 'pod.rego'), ANNOTATED);
  copyFileSync(SCHEMA, join(dir, 'input-schema.json'));
  copyFileSync(SCHEMA, join(dir, 'schemas', 'kubernetes', 'admission.json'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('warden policy check|eval --schema', () => {
  it('check: without a schema the typo passes; with one it is an undefined ref, caret and all', async () => {
    const [plain, run] = await Promise.all([
      warden(['policy', 'check', join(dir, 'plain')]),
      warden(['policy', 'check', join(dir, 'plain'), '--schema', join(dir, 'input-schema.json')]),
    ]);
    expect(plain.code).toBe(0);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('pod.rego:4:2: rego_type_error: undefined ref: input.request.kind.kinds\n\tinput.request.kind.kinds\n\t                   ^\n\t                   have: "kinds"\n\t                   want (one of): ["group" "kind" "version"]');
    expect(run.stderr).toContain('1 error occurred');
  });

  it('check: a schema directory serves METADATA schemas by path; a missing schema file is a usage error', async () => {
    const [run, missing] = await Promise.all([
      warden(['policy', 'check', join(dir, 'annotated'), '-s', join(dir, 'schemas')]),
      warden(['policy', 'check', join(dir, 'annotated'), '-s', join(dir, 'nope.json')]),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('rego_type_error: undefined ref: input.request.kind.kinds');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--schema .*nope\.json: cannot be read \(ENOENT\)/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it('eval: the same type error stops the evaluation', async () => {
    const run = await warden(['policy', 'eval', 'data.kubernetes.admission.deny', '-d', join(dir, 'plain'), '-s', join(dir, 'input-schema.json')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('rego_type_error: undefined ref: input.request.kind.kinds');
  });
});
