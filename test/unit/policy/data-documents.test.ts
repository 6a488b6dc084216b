import { describe, expect, it } from 'vitest';
import { mountDataDocument, type DataDocument } from '../../../src/policy/data-documents.ts';

function failure(run: () => void): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a failure');
}

describe('data documents', () => {
  it('mounts a document at the directories below the root and merges objects', () => {
    const root: DataDocument = {};
    mountDataDocument(root, 'policies/data.json', [], '{"warden":{"roles":{"ops":{}}}}');
    mountDataDocument(root, 'policies/warden/servers/data.yaml', ['warden', 'servers'], 'comms:\n  company_domain: example.com\n');
    expect(root).toEqual({ warden: { roles: { ops: {} }, servers: { comms: { company_domain: 'example.com' } } } });
  });

  it('refuses two documents that define the same value, naming the file and the path', () => {
    const root: DataDocument = {};
    mountDataDocument(root, 'a/data.json', [], '{"warden":{"max":1}}');
    expect(failure(() => mountDataDocument(root, 'b/data.json', [], '{"warden":{"max":2}}'))).toMatchObject({
      code: 'POLICY_LOAD_FAILED',
      message: 'b/data.json: data.warden.max is already defined by another document',
    });
  });

  it('names the file, line and column of broken JSON', () => {
    const error = failure(() => mountDataDocument({}, 'policies/data.json', [], '{\n  "a": 1,\n}'));
    expect(error.code).toBe('POLICY_LOAD_FAILED');
    expect(error.message).toBe('policies/data.json:3:1: invalid JSON: expected a property name in double quotes, found "}"');
  });

  it('names the file, line and column of broken YAML', () => {
    const error = failure(() => mountDataDocument({}, 'policies/data.yaml', [], 'a: [1\nb: 2\n'));
    expect(error.code).toBe('POLICY_LOAD_FAILED');
    expect(error.message).toMatch(/^policies\/data\.yaml:2:1: invalid YAML: /);
  });

  it('refuses a root document that is not an object', () => {
    expect(failure(() => mountDataDocument({}, 'data.json', [], '[1, 2]'))).toMatchObject({
      code: 'POLICY_LOAD_FAILED',
      message: 'data.json: a data document at the root must be an object',
    });
  });
});
