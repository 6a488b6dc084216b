import { describe, expect, it } from 'vitest';
import { netBuiltins } from '../../src/builtins/net.ts';
import { formatIp, parseIp } from '../../src/builtins/lib/net/ip-address.ts';
import { RSet, toJson } from '../../src/value.ts';
import { caller } from './call.ts';

const call = caller(netBuiltins);
const merge = (...cidrs: string[]) => toJson(call('net.cidr_merge', cidrs)!);

describe('ip addresses', () => {
  it('parses and prints like Go', () => {
    for (const [input, output] of [
      ['::', '::'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['::192.0.2.0', '::c000:200'],
      ['fe80::1', 'fe80::1'],
      ['10.0.0.1', '10.0.0.1'],
    ]) {
      expect(formatIp(parseIp(input!)!)).toBe(output);
    }
    for (const bad of ['01.2.3.4', '1.2.3', '1::2::3', '1:2:3:4:5:6:7:8:9', '256.1.1.1']) expect(parseIp(bad)).toBeUndefined();
  });
});

describe('net.cidr_*', () => {
  it('tests containment and intersection', () => {
    expect(call('net.cidr_contains', '10.0.0.0/8', '10.1.0.0/24')).toBe(true);
    expect(call('net.cidr_contains', '172.17.0.0/24', '172.17.0.0/16')).toBe(false);
    expect(call('net.cidr_contains', '2001:4860:4860::8888/32', '2001:4860:4860:1234::8888/40')).toBe(true);
    expect(() => call('net.cidr_contains', '192.168.1.0/28', 'not-a-cidr')).toThrow('invalid CIDR address: not-a-cidr');
    expect(call('net.cidr_intersects', '192.168.1.0/25', '192.168.1.64/25')).toBe(true);
    expect(call('net.cidr_intersects', 'fd1e:5bfe:8af3:9ddc::/64', '2001:4860:4860::8888/32')).toBe(false);
    expect(call('net.cidr_is_valid', '192.168.1.2')).toBe(false);
  });
  it('expands blocks', () => {
    expect(toJson(call('net.cidr_expand', '172.16.100.255/30')!)).toEqual(['172.16.100.252', '172.16.100.253', '172.16.100.254', '172.16.100.255']);
  });
  it('merges blocks', () => {
    expect(merge('192.0.2.112/30', '192.0.2.116/31', '192.0.2.118/31')).toEqual(['192.0.2.112/29']);
    expect(merge('192.0.2.112/31', '192.0.2.116/31', '192.0.2.118/31')).toEqual(['192.0.2.112/31', '192.0.2.116/30']);
    expect(merge('::/0', '::192.0.2.0/124', 'ff00::101/128')).toEqual(['::/0']);
    expect(merge('fe80::/120', '192.0.2.0/24', '192.0.3.0/24', '192.0.4.0/25', '192.0.4.128/25')).toEqual(['192.0.2.0/23', '192.0.4.0/24', 'fe80::/120']);
    expect(merge('192.0.2.112', '192.0.2.116/31')).toEqual(['192.0.2.0/24']);
    expect(() => merge('foo')).toThrow('net.cidr_merge');
  });
  it('matches collections', () => {
    expect(toJson(call('net.cidr_contains_matches', [['1.1.2.0/24', 1], '1.1.1.0/24'], ['1.1.1.1', '1.1.2.1'])!)).toEqual([[0, 1], [1, 0]]);
    expect(() => call('net.cidr_contains_matches', ['1.1.1.0/24'], RSet.of([[]]))).toThrow('operand 2: element must be string or non-empty array');
  });
  it('refuses DNS lookups', () => {
    expect(toJson(call('net.lookup_ip_addr', '::')!)).toEqual(['::']);
    expect(() => call('net.lookup_ip_addr', 'example.com')).toThrow('net.lookup_ip_addr: unallowed host: example.com');
  });
});
