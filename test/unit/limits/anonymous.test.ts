import { describe, expect, it } from 'vitest';
import { limitsConfigSchema } from '../../../src/limits/config.ts';
import { Limits } from '../../../src/limits/limits.ts';
import { SessionCaps } from '../../../src/limits/sessions.ts';

const signal = new AbortController().signal;
const config = limitsConfigSchema.parse({ concurrency: { per_principal: 1, queue: 0 }, sessions: { per_principal: 1, total: 3 } });
const anonymous = { principalKey: undefined, sub: undefined, roles: [], tool: 'db__echo', upstream: 'db' };

describe('limits - callers without a principal (auth disabled)', () => {
  it('meet the upstream cap only: a per-caller cap would cap every caller together', async () => {
    const limits = new Limits(config, () => 2);
    const held = [await limits.admit(anonymous, 0, signal), await limits.admit(anonymous, 0, signal)];
    await expect(limits.admit(anonymous, 0, signal)).rejects.toMatchObject({ code: 'CONCURRENCY_LIMITED', details: { limit: 'max_concurrent' } });
    held[0]!();
    await expect(limits.admit(anonymous, 0, signal)).resolves.toBeTypeOf('function');
  });

  it('count against the total of open sessions only', () => {
    const caps = new SessionCaps(config.sessions);
    expect([caps.open(undefined), caps.open(undefined), caps.open('iss alice'), caps.open('iss bob')]).toEqual([undefined, undefined, undefined, 'total']);
    caps.close(undefined);
    expect(caps.open('iss alice')).toBe('principal');
    expect(caps.open('iss bob')).toBeUndefined();
  });
});
