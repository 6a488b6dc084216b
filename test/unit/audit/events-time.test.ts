import { describe, expect, it } from 'vitest';
import { createEventEncoder } from '../../../src/audit/events.ts';
import { createRedactor } from '../../../src/audit/redact.ts';
import type { OutcomeEvent } from '../../../src/audit/sink.ts';

const encoder = createEventEncoder(createRedactor({ keys: [], patterns: [] }));
const outcomeAt = (time: string): OutcomeEvent => ({ time, decisionId: 'd', requestId: '1', sessionId: 's', outcome: 'ok', durationMs: 1 });

describe('audit event times', () => {
  it('stores a time in the form toISOString writes as it is', () => {
    const time = new Date(Date.UTC(2026, 11, 7, 22, 5, 9, 42)).toISOString();
    expect(encoder.outcome(outcomeAt(time)).time).toBe('2026-12-07T22:05:09.042Z');
  });

  it('writes any other form of a date in that form, so text order stays time order', () => {
    expect(encoder.outcome(outcomeAt('2026-12-07T23:05:09+01:00')).time).toBe('2026-12-07T22:05:09.000Z');
    expect(encoder.outcome(outcomeAt('2026-12-07T22:05:09Z')).time).toBe('2026-12-07T22:05:09.000Z');
  });

  it('refuses a time that is no date', () => {
    expect(() => encoder.outcome(outcomeAt('yesterday'))).toThrow(/audit event time is not a date: yesterday/);
    expect(() => encoder.outcome(outcomeAt('2026-13-07T22:05:09.000Z'))).toThrow(/not a date/);
  });
});
