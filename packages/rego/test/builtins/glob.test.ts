import { describe, expect, it } from 'vitest';
import { globBuiltins } from '../../src/builtins/glob.ts';
import { caller } from './call.ts';

const call = caller(globBuiltins);

describe('glob.match - gobwas syntax', () => {
  it('stops * at delimiters, the default being "."', () => {
    expect(call('glob.match', '*.github.com', ['.'], 'api.github.com')).toBe(true);
    expect(call('glob.match', '*.github.com', ['.'], 'api.not-github.com')).toBe(false);
    expect(call('glob.match', '*', [], 'foo.bar')).toBe(false);
    expect(call('glob.match', '*', null, 'foo.bar')).toBe(true);
    expect(call('glob.match', '*:github:com', [':'], 'api:github:com')).toBe(true);
  });

  it('lets ** cross delimiters, without being a globstar', () => {
    expect(call('glob.match', 'api.**.com', ['.'], 'api.cdn.github.com')).toBe(true);
    expect(call('glob.match', 'a/**/b', null, 'a/b')).toBe(false);
    expect(call('glob.match', 'a/**/b', null, 'a//b')).toBe(true);
    expect(call('glob.match', '**/x', null, 'x')).toBe(false);
    expect(call('glob.match', '{**/,}x', null, 'x')).toBe(true);
    expect(call('glob.match', '***', ['.'], '')).toBe(true);
  });

  it('needs exactly one character for ? and lists, and honours every delimiter', () => {
    expect(call('glob.match', '?', null, '')).toBe(false);
    expect(call('glob.match', '[!0-9]', null, '')).toBe(false);
    expect(call('glob.match', '*?*', ['.', '/'], 'api.github.com')).toBe(false);
    expect(call('glob.match', '*', ['.', '/'], 'a/b')).toBe(false);
    expect(call('glob.match', '?', null, '\u{1F600}')).toBe(true);
  });

  it('supports ?, character lists, ranges, negation and alternatives', () => {
    expect(call('glob.match', '?at', ['f'], 'bat')).toBe(true);
    expect(call('glob.match', '?at', ['f'], 'fat')).toBe(false);
    expect(call('glob.match', '[!abc]at', [], 'fat')).toBe(true);
    expect(call('glob.match', '[!a-c]at', [], 'bat')).toBe(false);
    expect(call('glob.match', '{cat,bat,[fr]at}', [], 'rat')).toBe(true);
    expect(call('glob.match', '{cat,bat,[fr]at}', [], 'mat')).toBe(false);
    expect(call('glob.match', 'a\\*b', [], 'a*b')).toBe(true);
    expect(call('glob.match', 'a\\*b', [], 'axb')).toBe(false);
    expect(call('glob.match', 'x+(y)', [], 'x+(y)')).toBe(true);
  });

  it('matches many stars over long input in linear time', () => {
    const started = performance.now();
    expect(call('glob.match', '*a*a*a*a*a*a*a*a*a*a*b', [], 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('reports malformed patterns', () => {
    expect(() => call('glob.match', '{a,b', [], 'a')).toThrow(/glob.match/);
    expect(() => call('glob.match', '[abc', [], 'a')).toThrow(/glob.match/);
  });

  it('quotes meta characters', () => {
    expect(call('glob.quote_meta', '*.github.com')).toBe('\\*.github.com');
    expect(call('glob.quote_meta', '[a]{b}?')).toBe('\\[a\\]\\{b\\}\\?');
  });
});

describe('glob.match - gobwas list syntax', () => {
  it('reads one range or a plain list, with escapes', () => {
    expect(call('glob.match', '[abc-x]', [], '-')).toBe(true);
    expect(call('glob.match', '[abc-x]', [], 'm')).toBe(false);
    expect(call('glob.match', '[a\\]]', [], ']')).toBe(true);
    expect(call('glob.match', 'a}b,c', [], 'a}b,c')).toBe(true);
    expect(() => call('glob.match', '[a-cx]', [], 'a')).toThrow(/expected close range character/);
  });
});
