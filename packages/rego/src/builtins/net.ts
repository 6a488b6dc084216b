import type { Value } from '../value.ts';
import { RSet, isObject, isSet } from '../value.ts';
import type { Cidr } from './lib/net/ip-address.ts';
import { cidrContainsAddress, cidrOf, formatCidr, formatIp, lastAddress, parseCidr, parseIp } from './lib/net/ip-address.ts';
import { collectionArg, stringArg } from './args.ts';
import type { Builtin } from './types.ts';
import { builtinError, operandError } from '../errors.ts';

/** OPA's net.* built-ins over IPv4 and IPv6 CIDR blocks. */

/** Operands here may be elements of collections (cidr_contains_matches), so they come one by one. */
function textOperand(name: string, value: Value, position: number): string {
  if (typeof value !== 'string') throw operandError(name, position, 'string', value);
  return value;
}

function cidrOperand(name: string, value: Value, position: number): Cidr {
  const text = textOperand(name, value, position);
  const cidr = parseCidr(text);
  if (!cidr) throw builtinError(name, `invalid CIDR address: ${text}`);
  return cidr;
}

const sameFamily = (a: Cidr, b: Cidr): boolean => a.bits === b.bits;

/** A CIDR contains an address, or a CIDR block no larger than itself starting inside it. */
function cidrContains(name: string, outer: Value, inner: Value): boolean {
  const network = cidrOperand(name, outer, 1);
  const address = parseIp(textOperand(name, inner, 2));
  if (address) return cidrContainsAddress(network, address);
  const block = cidrOperand(name, inner, 2);
  return (
    sameFamily(network, block) &&
    cidrContainsAddress(network, { bits: block.bits, value: block.network }) &&
    network.prefix <= block.prefix
  );
}

function cidrIntersects([a, b]: Value[]): boolean {
  const x = cidrOperand('net.cidr_intersects', a!, 1);
  const y = cidrOperand('net.cidr_intersects', b!, 2);
  if (!sameFamily(x, y)) return false;
  return x.network <= lastAddress(y) && y.network <= lastAddress(x);
}

/** Keeps a policy from expanding a /8 (or an IPv6 /64) into millions of strings. */
const MAX_EXPANSION = 1n << 16n;

function cidrExpand([arg]: Value[]): RSet {
  const cidr = cidrOperand('net.cidr_expand', arg!, 1);
  const size = lastAddress(cidr) - cidr.network + 1n;
  if (size > MAX_EXPANSION) throw builtinError('net.cidr_expand', `CIDR too large to expand (more than ${MAX_EXPANSION} addresses)`);
  const out = new RSet();
  for (let value = cidr.network; value <= lastAddress(cidr); value++) out.add(formatIp({ bits: cidr.bits, value }));
  return out;
}

/** An address without a prefix gets Go's classful default mask (IPv4 only), as OPA does. */
function mergeOperand(value: Value): Cidr {
  if (typeof value !== 'string') throw builtinError('net.cidr_merge', 'element must be string');
  const address = parseIp(value);
  if (!address) {
    const cidr = parseCidr(value);
    if (!cidr) throw builtinError('net.cidr_merge', `invalid CIDR address: ${value}`);
    return cidr;
  }
  if (address.bits === 128) throw builtinError('net.cidr_merge', 'IPv6 invalid: needs prefix length');
  const first = Number(address.value >> 24n);
  return cidrOf(address, first < 0x80 ? 8 : first < 0xc0 ? 16 : 24);
}

/** Smallest set of blocks covering the same addresses: drop contained blocks, join siblings. */
function mergeCidrs(cidrs: Cidr[]): Cidr[] {
  const sorted = [...cidrs].sort((a, b) => a.bits - b.bits || (a.network < b.network ? -1 : a.network > b.network ? 1 : a.prefix - b.prefix));
  const stack: Cidr[] = [];
  for (const cidr of sorted) {
    const top = stack.at(-1);
    if (top && sameFamily(top, cidr) && cidr.network <= lastAddress(top)) continue;
    stack.push(cidr);
    for (;;) {
      const b = stack.at(-1)!;
      const a = stack.at(-2);
      if (!a || !sameFamily(a, b) || a.prefix !== b.prefix || a.prefix === 0) break;
      const parent = cidrOf({ bits: a.bits, value: a.network }, a.prefix - 1);
      if (parent.network !== a.network || lastAddress(a) + 1n !== b.network) break;
      stack.splice(-2, 2, parent);
    }
  }
  return stack;
}

function cidrMerge(args: Value[]): RSet {
  const cidrs = collectionArg('net.cidr_merge', args, 1).map(mergeOperand);
  return RSet.of(mergeCidrs(cidrs).map(formatCidr));
}

const MATCHES = 'net.cidr_contains_matches';

/** [cidr, key] pairs of an operand: a string is its own key, collections give index/member/key. */
function matchTerms(value: Value, position: number): [Value, Value][] {
  const element = (item: Value): Value => {
    if (typeof item === 'string') return item;
    if (Array.isArray(item) && item.length > 0) return item[0]!;
    throw builtinError(MATCHES, `operand ${position}: element must be string or non-empty array`);
  };
  if (typeof value === 'string') return [[value, value]];
  if (Array.isArray(value)) return value.map((item, i) => [element(item), i]);
  if (isSet(value)) return value.sorted().map((item) => [element(item), item]);
  if (isObject(value)) return value.sortedEntries().map(([key, item]) => [element(item), key]);
  throw operandError(MATCHES, position, 'one of {array, object, set, string}', value);
}

function cidrContainsMatches([cidrs, targets]: Value[]): RSet {
  const out = new RSet();
  const outer = matchTerms(cidrs!, 1);
  const inner = matchTerms(targets!, 2);
  for (const [cidr, cidrKey] of outer) {
    for (const [target, targetKey] of inner) {
      if (cidrContains(MATCHES, cidr, target)) out.add([cidrKey, targetKey]);
    }
  }
  return out;
}

/**
 * A gateway policy must not depend on DNS. IP literals need no lookup, and `localhost` is loopback
 * by definition (RFC 6761 §6.3); any other name is refused unless the policy mocks the call.
 */
function lookupIpAddr(args: Value[]): RSet {
  const name = stringArg('net.lookup_ip_addr', args, 1);
  const address = parseIp(name);
  if (address) return RSet.of([formatIp(address)]);
  if (name.toLowerCase() === 'localhost') return RSet.of(['127.0.0.1', '::1']);
  // OPA with `allow_net: []` refuses every name this way.
  throw builtinError('net.lookup_ip_addr', `unallowed host: ${name}`);
}

export const netBuiltins: Builtin[] = [
  { name: 'net.cidr_contains', arity: 2, impl: ([a, b]) => cidrContains('net.cidr_contains', a!, b!) },
  { name: 'net.cidr_intersects', arity: 2, impl: cidrIntersects },
  { name: 'net.cidr_expand', arity: 1, impl: cidrExpand },
  { name: 'net.cidr_merge', arity: 1, impl: cidrMerge },
  {
    name: 'net.cidr_is_valid',
    arity: 1,
    impl: ([arg]) => typeof arg === 'string' && parseCidr(arg) !== undefined,
  },
  { name: MATCHES, arity: 2, impl: cidrContainsMatches },
  { name: 'net.lookup_ip_addr', arity: 1, impl: lookupIpAddr },
];
