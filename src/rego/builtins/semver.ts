import type { Value } from '../value.ts';
import { stringArg } from './args.ts';
import type { Builtin } from './types.ts';
import { builtinError } from './types.ts';

/** semver.compare and semver.is_valid over SemVer 2.0.0 (no `v` prefix, as OPA). */

interface Version {
  readonly core: readonly [bigint, bigint, bigint];
  readonly pre: readonly string[];
}

const NUMERIC = /^(?:0|[1-9]\d*)$/;
const IDENTIFIER = /^[0-9A-Za-z-]+$/;

/**
 * Parses `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]` piece by piece: one combined regex would be
 * ambiguous (and backtrack) on long hostile input.
 */
function parse(text: string): Version | undefined {
  const plus = text.indexOf('+');
  const build = plus < 0 ? undefined : text.slice(plus + 1);
  const rest = plus < 0 ? text : text.slice(0, plus);
  const dash = rest.indexOf('-');
  const core = (dash < 0 ? rest : rest.slice(0, dash)).split('.');
  const pre = dash < 0 ? [] : rest.slice(dash + 1).split('.');
  if (core.length !== 3 || !core.every((part) => NUMERIC.test(part))) return undefined;
  // Pre-release identifiers: numeric without leading zeros, or alphanumeric with a non-digit.
  if (!pre.every((id) => IDENTIFIER.test(id) && (NUMERIC.test(id) || /\D/.test(id)))) return undefined;
  if (build !== undefined && !build.split('.').every((id) => IDENTIFIER.test(id))) return undefined;
  return { core: [BigInt(core[0]!), BigInt(core[1]!), BigInt(core[2]!)], pre };
}

function sign(a: bigint | string, b: bigint | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SemVer precedence: core numerically; a pre-release sorts before the release; build ignored. */
function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const c = sign(a.core[i]!, b.core[i]!);
    if (c !== 0) return c;
  }
  if (a.pre.length === 0 || b.pre.length === 0) return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i]!;
    const y = b.pre[i]!;
    const xNumeric = /^\d+$/.test(x);
    const yNumeric = /^\d+$/.test(y);
    // Numeric identifiers compare numerically and sort before alphanumeric ones.
    const c = xNumeric && yNumeric ? sign(BigInt(x), BigInt(y)) : xNumeric ? -1 : yNumeric ? 1 : sign(x, y);
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
