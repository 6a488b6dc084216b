import { randomUUID } from 'node:crypto';
import type { Value } from '../value.ts';
import { RObject } from '../value.ts';
import type { Builtin } from './types.ts';
import { stringArg } from './args.ts';

/** OPA's uuid.* built-ins: random v4 UUIDs memoised per query and key, and Go-style parsing. */

const UUID_FORMS = [
  /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i,
  /^\{([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}$/i,
  /^urn:uuid:([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i,
  /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i,
];

/** The 16 bytes of a UUID in any form google/uuid accepts, or undefined. */
function uuidBytes(text: string): Buffer | undefined {
  for (const form of UUID_FORMS) {
    const match = form.exec(text);
    if (match) return Buffer.from(match.slice(1).join(''), 'hex');
  }
  return undefined;
}

function variant(bytes: Buffer): string {
  const b = bytes[8]!;
  if ((b & 0xc0) === 0x80) return 'RFC4122';
  if ((b & 0xe0) === 0xe0) return 'Future';
  if ((b & 0xe0) === 0xc0) return 'Microsoft';
  return 'Reserved';
}

/** 100 ns intervals between the Gregorian reform (1582-10-15) and the Unix epoch. */
const GREGORIAN_OFFSET = 122_192_928_000_000_000n;
const DOMAINS = ['Person', 'Group', 'Org'];

/** google/uuid's view of time-based (v1, v2) UUIDs, as OPA reports it. */
function timeFields(bytes: Buffer, version: number): [string, Value][] {
  const ticks = BigInt(bytes.readUInt32BE(0)) | (BigInt(bytes.readUInt16BE(4)) << 32n) | (BigInt(bytes.readUInt16BE(6) & 0xfff) << 48n);
  const ns = (ticks - GREGORIAN_OFFSET) * 100n;
  const node = bytes.subarray(10, 16);
  const fields: [string, Value][] = [
    ['time', Number.isSafeInteger(Number(ns)) ? Number(ns) : ns],
    ['clocksequence', bytes.readUInt16BE(8) & 0x3fff],
    ['nodeid', [...node].map((b) => b.toString(16).padStart(2, '0')).join('-')],
    ['macvariables', `${node[0]! & 0x02 ? 'local' : 'global'}:${node[0]! & 0x01 ? 'multicast' : 'unicast'}`],
  ];
  if (version === 2) {
    fields.push(['id', bytes.readUInt32BE(0)], ['domain', DOMAINS[bytes[9]!] ?? `Domain${bytes[9]}`]);
  }
  return fields;
}

/** Undefined for text that is not a UUID, as in OPA. */
function parse(args: Value[]): RObject | undefined {
  const bytes = uuidBytes(stringArg('uuid.parse', args, 1));
  if (!bytes) return undefined;
  const version = bytes[6]! >> 4;
  const fields: [string, Value][] = [
    ['version', version],
    ['variant', variant(bytes)],
  ];
  if (version === 1 || version === 2) fields.push(...timeFields(bytes, version));
  return RObject.fromEntries(fields);
}

export const uuidBuiltins: Builtin[] = [
  {
    name: 'uuid.rfc4122',
    arity: 1,
    nondeterministic: true,
    impl: (args, ctx) => {
      const memoKey = `uuid.rfc4122:${stringArg('uuid.rfc4122', args, 1)}`;
      let value = ctx.memo.get(memoKey);
      if (value === undefined) {
        value = randomUUID();
        ctx.memo.set(memoKey, value);
      }
      return value;
    },
  },
  { name: 'uuid.parse', arity: 1, impl: parse },
];
