import { describe, expect, it } from 'vitest';
import { normalizeDecision } from '../../../src/policy/decision.ts';

const REV = 'sha256:abc';
const value = (v: unknown) => normalizeDecision({ defined: true, value: v }, REV);

describe('decision normalisation', () => {
  it('allows only when allow is exactly true, keeping reasons as a sorted set', () => {
    expect(value({ allow: true, reasons: ['b', 'a', 'b'] })).toMatchObject({ allow: true, reasons: ['a', 'b'], revision: REV });
    expect(value({ allow: true }).code).toBeUndefined();
  });

  it('denies with POLICY_DENIED when allow is false, with the reasons or a default one', () => {
    expect(value({ allow: false, reasons: ['no'] })).toMatchObject({ allow: false, code: 'POLICY_DENIED', reasons: ['no'] });
    expect(value({ allow: false, reasons: [] })).toMatchObject({ code: 'POLICY_DENIED', reasons: ['denied by policy'] });
  });

  it('accepts an entrypoint that is the allow rule itself', () => {
    expect(value(true)).toMatchObject({ allow: true, reasons: [] });
    expect(value(false)).toMatchObject({ allow: false, code: 'POLICY_DENIED' });
  });

  it('denies with POLICY_UNDEFINED when the entrypoint or its allow is undefined', () => {
    expect(normalizeDecision({ defined: false }, REV)).toMatchObject({ allow: false, code: 'POLICY_UNDEFINED', reasons: ['the policy produced no decision'] });
    expect(value({ reasons: ['x'] })).toMatchObject({ allow: false, code: 'POLICY_UNDEFINED' });
  });

  it.each([
    ['the string "true"', { allow: 'true' }, 'allow must be a boolean, got the string "true"'],
    ['a number', { allow: 1 }, 'allow must be a boolean, got a number'],
    ['null', { allow: null }, 'allow must be a boolean, got null'],
    ['an array', { allow: [true] }, 'allow must be a boolean, got an array'],
  ])('denies with POLICY_ERROR when allow is %s', (_, document, message) => {
    expect(value(document)).toMatchObject({ allow: false, code: 'POLICY_ERROR', reasons: [message] });
  });

  it('keeps an approval the policy requires on an allowed decision, with a default reason', () => {
    expect(value({ allow: true, approval: { required: true, reason: 'drops a table' } })).toMatchObject({ allow: true, approval: { required: true, reason: 'drops a table' } });
    expect(value({ allow: true, approval: { required: true } }).approval).toEqual({ required: true, reason: 'the policy requires an approval' });
    expect(value({ allow: true, approval: { required: false, reason: 'x' } }).approval).toBeUndefined();
    expect(value({ allow: false, approval: { required: true } })).toMatchObject({ allow: false, code: 'POLICY_DENIED' });
    expect(value({ allow: false, approval: { required: true } }).approval).toBeUndefined();
  });

  it.each([
    ['a boolean', true, 'approval must be an object with a boolean required'],
    ['a string required', { required: 'yes' }, 'approval.required must be a boolean'],
    ['a numeric reason', { required: true, reason: 1 }, 'approval.reason must be a string'],
  ])('denies with POLICY_ERROR when approval is %s (fail closed, never "no approval")', (_, approval, message) => {
    expect(value({ allow: true, approval })).toMatchObject({ allow: false, code: 'POLICY_ERROR', reasons: [message] });
  });

  it('denies with POLICY_ERROR when reasons is not a set of strings, even if allow is true', () => {
    expect(value({ allow: true, reasons: 'because' })).toMatchObject({ allow: false, code: 'POLICY_ERROR', reasons: ['reasons must be a set of strings'] });
    expect(value({ allow: true, reasons: [1] })).toMatchObject({ allow: false, code: 'POLICY_ERROR' });
  });

  it('denies with POLICY_ERROR when the decision is neither an object nor a boolean', () => {
    expect(value('allow')).toMatchObject({ allow: false, code: 'POLICY_ERROR', reasons: ['the decision must be an object with a boolean allow, got the string "allow"'] });
    expect(value([{ allow: true }])).toMatchObject({ allow: false, code: 'POLICY_ERROR' });
  });
});
