/**
 * Issue 13, hole 1: arguments with a `__proto__` key reached the upstream and the policy but the
 * audit row stored (and hashed) them without it. Property: for any argument document, what the
 * upstream receives, what the policy sees and what the audit stores and hashes are one document.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionRowOf } from '../../../testkit/support/audit.ts';
import { lastReceived, openRecordingWorld, type OpenWorld } from '../../../testkit/support/worlds/recording.ts';
import { postRaw } from '../../../testkit/support/rpc.ts';

/** A JSON document as a tree, written to text by `write`: keys are never set on a JS object. */
type Doc = null | boolean | number | string | { array: Doc[] } | { object: Array<[string, Doc]> };

const KEY = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__', 'isPrototypeOf') },
  { weight: 2, arbitrary: fc.constantFrom('', '0', '9', '10', '4294967295', 'ключ', '键', '🔑', 'a b', 'line\nbreak', '\u2028', 'quote"back\\slash', 'lone\ud800', '\udc00', 'nul\u0000', '\u202e') },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom('a', 'z', '_', 'é', '中', '🙂', ' ', '"', '\\', '\u0001'), maxLength: 6 }) },
);
// Numbers a double holds exactly (hole 7 covers the others): odd ones included.
const NUMBER = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
  fc.constantFrom(2 ** 53, -(2 ** 53), 1e300, 5e-324, 1.7976931348623157e308, 0.1, 1e21, 1e-7, 123456789012345680000),
);
// Strings of any code units too: lone surrogates and NUL, which a JSON text may carry escaped.
const LEAF: fc.Arbitrary<Doc> = fc.oneof(NUMBER, fc.boolean(), fc.constant(null), fc.string({ unit: 'grapheme', maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }));
const { object: OBJECT } = fc.letrec<{ value: Doc; array: Doc; object: { object: Array<[string, Doc]> } }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, LEAF, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }).map((array) => ({ array })),
  object: fc.uniqueArray(fc.tuple(KEY, tie('value')), { maxLength: 5, selector: ([key]) => key }).map((object) => ({ object })),
}));
/** Arguments always hold a `__proto__` key, at the top or nested. */
const ARGUMENTS = fc.tuple(OBJECT, fc.boolean(), LEAF).map(([doc, nested, leaf]) => {
  const entries = doc.object.filter(([key]) => key !== '__proto__');
  return { object: nested ? [...entries, ['__proto__', { object: [['__proto__', leaf]] }]] : [['__proto__', leaf], ...entries] } as Doc;
});

function write(doc: Doc): string {
  if (doc === null || typeof doc !== 'object') return JSON.stringify(doc);
  if ('array' in doc) return `[${doc.array.map(write).join(',')}]`;
  return `{${doc.object.map(([key, value]) => `${JSON.stringify(key)}:${write(value)}`).join(',')}}`;
}

const isIndex = (key: string) => /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;

/**
 * The audit's canonical encoding, written independently of src/: keys sorted, except that a JS
 * object lists array-index keys first in numeric order (JSON.stringify follows that order).
 */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  const ordered = [...keys.filter(isIndex).sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isIndex(k))];
  return `{${ordered.map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
}

let nextId = 1000;
let t: OpenWorld;

beforeAll(async () => void (t = await openRecordingWorld()), 60_000);
afterAll(() => t?.close());

describe('hole 1: audit fidelity', () => {
  it('upstream, policy and audit see the same document, __proto__ keys included', async () => {
    await fc.assert(
      fc.asyncProperty(ARGUMENTS, async (args) => {
        const sentText = write(args);
        const sent = canonical(JSON.parse(sentText));
        const call = async (tool: string) => {
          const id = nextId++;
          const answer = await postRaw(t.world.gateway.url, `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${tool}","arguments":${sentText}}}`, t.session);
          expect(answer.status).toBe(200);
          const row = decisionRowOf(t.world.audit, id);
          return JSON.parse(row?.data ?? 'null') as { reasons: string[]; arguments: unknown; arguments_sha256: string };
        };
        const judged = await call('up__add');
        expect(canonical(JSON.parse(judged.reasons[0]!)), 'what the policy saw').toBe(sent);
        expect(canonical(judged.arguments), 'what the audit stored for the denial').toBe(sent);
        const data = await call('up__echo');

        const received = lastReceived(t.world.proxy, 'tools/call');
        expect(canonical(received?.params.arguments), 'what the upstream received').toBe(sent);
        expect(canonical(data.arguments), 'what the audit stored').toBe(sent);
        expect(data.arguments_sha256, 'the hash of what the audit stored').toBe(createHash('sha256').update(sent).digest('hex'));
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
