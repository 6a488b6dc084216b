import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTraceParent, traceParentOf } from '../../../src/metrics/traceparent.ts';

/**
 * The gateway reads `traceparent` itself (traceparent.ts). OpenTelemetry's propagator is the
 * reference it must agree with, on the W3C spec's own examples and on headers mutated at random.
 */
const propagator = new W3CTraceContextPropagator();
function reference(value: string): { traceId: string; spanId: string; flags: number } | undefined {
  const context = propagator.extract(ROOT_CONTEXT, { traceparent: value }, { keys: () => ['traceparent'], get: (carrier, key) => carrier[key as 'traceparent'] });
  const parent = trace.getSpanContext(context);
  return parent === undefined ? undefined : { traceId: parent.traceId, spanId: parent.spanId, flags: parent.traceFlags };
}

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('reads the W3C examples and refuses what the spec calls invalid', () => {
    expect(parseTraceParent(VALID)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 });
    expect(parseTraceParent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.flags).toBe(0);
    for (const invalid of [
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', // version ff
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01', // all-zero trace id
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', // all-zero span id
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', // uppercase
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', // version 00 with more
      '00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01', // a dash moved
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
      '',
    ]) {
      expect(parseTraceParent(invalid), invalid).toBeUndefined();
      expect(reference(invalid), invalid).toBeUndefined();
    }
    // A later version may carry more after a dash; its first fields read as version 00's.
    expect(parseTraceParent('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-what-comes-next')).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 9 });
    expect(parseTraceParent('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09x')).toBeUndefined();
  });

  it('agrees with OpenTelemetry\'s propagator on mutated headers', () => {
    // Single characters replaced, removed or inserted, versions and lengths changed: the places
    // where a hand-written reader goes wrong. (The propagator also allows one space around the
    // value; HTTP strips those before either sees it, so they are left out.)
    const alphabet = fc.constantFrom(...'0123456789abcdefABF-xg');
    const mutated = fc.oneof(
      fc.tuple(fc.nat(VALID.length - 1), alphabet).map(([at, c]) => VALID.slice(0, at) + c + VALID.slice(at + 1)),
      fc.nat(VALID.length - 1).map((at) => VALID.slice(0, at) + VALID.slice(at + 1)),
      fc.tuple(fc.nat(VALID.length), alphabet).map(([at, c]) => VALID.slice(0, at) + c + VALID.slice(at)),
      fc.tuple(fc.constantFrom('00', '01', 'cc', 'fe', 'ff'), fc.constantFrom('', '-', '-x', 'x', '-00-11')).map(([version, tail]) => version + VALID.slice(2) + tail),
      fc.tuple(fc.boolean(), fc.boolean()).map(([zeroTrace, zeroSpan]) => `00-${zeroTrace ? '0'.repeat(32) : '0'.repeat(31) + '1'}-${zeroSpan ? '0'.repeat(16) : '0'.repeat(15) + 'a'}-ff`),
    );
    fc.assert(
      fc.property(mutated, (value) => {
        expect(parseTraceParent(value)).toEqual(reference(value));
      }),
      { numRuns: 20_000 },
    );
  });

  it('writes version 00 with two-digit flags', () => {
    expect(traceParentOf('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', 1)).toBe(VALID);
    expect(traceParentOf('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', 0xff)).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff');
    expect(parseTraceParent(traceParentOf('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', 0x0a))?.flags).toBe(0x0a);
  });
});
