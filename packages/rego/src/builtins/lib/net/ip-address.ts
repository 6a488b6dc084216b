/**
 * IPv4/IPv6 addresses and CIDR blocks as bigints, parsed and printed the way Go's `net` package
 * does (OPA's net.* built-ins are thin layers over it): strict dotted quads without leading zeros,
 * IPv6 with `::` and an embedded IPv4 tail, RFC 5952 output.
 */

interface IpAddress {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

export interface Cidr {
  readonly bits: 32 | 128;
  /** First address of the block (host bits cleared). */
  readonly network: bigint;
  readonly prefix: number;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseGroups(text: string, allowIpv4Tail: boolean): bigint[] | undefined {
  if (text === '') return [];
  const groups: bigint[] = [];
  const parts = text.split(':');
  for (const [i, part] of parts.entries()) {
    if (allowIpv4Tail && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      groups.push(BigInt(`0x${part}`));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<bigint>(halves.length === 2 ? missing : 0).fill(0n), ...tail];
  return groups.reduce((acc, group) => (acc << 16n) | group, 0n);
}

/** Go's net.ParseIP (without zones). */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { bits: 128, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { bits: 32, value };
}

const mask = (bits: number, prefix: number): bigint => ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);

export function cidrOf(address: IpAddress, prefix: number): Cidr {
  return { bits: address.bits, network: address.value & mask(address.bits, prefix), prefix };
}

/** Go's net.ParseCIDR: the block, or undefined. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!address || !/^(0|[1-9]\d*)$/.test(prefixText) || Number(prefixText) > address.bits) return undefined;
  return cidrOf(address, Number(prefixText));
}

export function lastAddress(cidr: Cidr): bigint {
  return cidr.network | ((1n << BigInt(cidr.bits - cidr.prefix)) - 1n);
}

export function cidrContainsAddress(cidr: Cidr, address: IpAddress): boolean {
  return cidr.bits === address.bits && (address.value & mask(cidr.bits, cidr.prefix)) === cidr.network;
}

export function formatIp(address: IpAddress): string {
  if (address.bits === 32) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join('.');
  }
  const groups = [...Array(8).keys()].map((i) => Number((address.value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run (two or more) of zero groups, the first one on a tie.
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ bits: cidr.bits, value: cidr.network })}/${cidr.prefix}`;
}
