import type { Value } from '../value.ts';
import { stringArg } from './args.ts';
import type { Builtin } from './types.ts';
import { builtinError } from '../errors.ts';

/**
 * semver.compare and semver.is_valid as OPA's internal semver package (a go-semver fork) reads
 * versions: `MAJOR.MINOR.PATCH` as int64 decimals (leading zeros allowed), then optional
 * `-PRERELEASE` and `+BUILD` of dot-separated `[0-9A-Za-z-]` identifiers; no `v` prefix.
 */

interface Version {
  readonly core: readonly [bigint, bigint, bigint];
  readonly pre: readonly string[];
}

const INT64_MAX = 2n ** 63n - 1n;
const IDENTIFIERS = /^[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*$/;
const INTEGER = /^[+-]?\d+$/;

/** Parsed piece by piece: one combined regex would backtrack on long hostile input. */
function parse(text: string): Version | undefined {
  const plus = text.indexOf('+');
  const build = plus < 0 ? '' : text.slice(plus + 1);
  const rest = plus < 0 ? text : text.slice(0, plus);
  const dash = rest.indexOf('-');
  const pre = dash < 0 ? '' : rest.slice(dash + 1);
  const core = (dash < 0 ? rest : rest.slice(0, dash)).split('.');
  if (core.length !== 3 || !core.every((part) => /^\d+$/.test(part) && BigInt(part) <= INT64_MAX)) return undefined;
  if ((pre !== '' && !IDENTIFIERS.test(pre)) || (build !== '' && !IDENTIFIERS.test(build))) return undefined;
  return { core: [BigInt(core[0]!), BigInt(core[1]!), BigInt(core[2]!)], pre: pre === '' ? [] : pre.split('.') };
}

function sign(a: bigint | string, b: bigint | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Core numerically, then a release above any pre-release, then identifier by identifier: two
 * integers numerically when they differ, else as strings; more identifiers rank higher.
 */
function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const c = sign(a.core[i]!, b.core[i]!);
    if (c !== 0) return c;
  }
  if (a.pre.length === 0 || b.pre.length === 0) return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i]!;
    const y = b.pre[i]!;
    const numeric = INTEGER.test(x) && INTEGER.test(y) ? sign(BigInt(x), BigInt(y)) : 0;
    const c = numeric || sign(x, y);
    if (c !== 0) return c;
  }
  return sign(BigInt(a.pre.length), BigInt(b.pre.length));
}

function versionArg(args: Value[], position: number): Version {
  const text = stringArg('semver.compare', args, position);
  const version = parse(text);
  if (version === undefined) throw builtinError('semver.compare', `operand ${position}: string ${JSON.stringify(text)} is not a valid SemVer`);
  return version;
}

export const semverBuiltins: readonly Builtin[] = [
  { name: 'semver.compare', arity: 2, impl: (args) => compareVersions(versionArg(args, 1), versionArg(args, 2)) },
  { name: 'semver.is_valid', arity: 1, impl: (args) => typeof args[0] === 'string' && parse(args[0]) !== undefined },
];
