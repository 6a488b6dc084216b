/**
 * The flags of a bench tool run by hand (http-ab.ts, promotion.ts). Every flag takes a value, and
 * an unknown flag or one without its value is refused with exit 2: a mistyped flag would otherwise
 * measure something other than what was asked (http-ab: the same build on both sides, B/A 1).
 */
export interface ToolFlags {
  /** Every value given for `flag`, in order (a flag may repeat). */
  values(flag: string): string[];
  /** The flag's whole number above 0, or `fallback` when absent; anything else exits 2. */
  whole(flag: string, fallback: number): number;
}

export function toolFlags(tool: string, known: readonly string[], args = process.argv.slice(2)): ToolFlags {
  const refuse = (why: string): never => {
    process.stderr.write(`${tool}: ${why}\n`);
    process.exit(2);
  };
  for (let index = 0; index < args.length; index += 2) {
    const flag = args[index]!;
    if (!known.includes(flag)) refuse(`unknown argument ${flag}; known: ${known.join(', ')}`);
    if (args[index + 1] === undefined) refuse(`${flag} expects a value`);
  }
  const values = (flag: string) => args.flatMap((arg, index) => (index % 2 === 1 && args[index - 1] === flag ? [arg] : []));
  return {
    values,
    whole(flag, fallback) {
      const value = Number(values(flag)[0] ?? fallback);
      return Number.isInteger(value) && value > 0 ? value : refuse(`${flag} expects a whole number above 0`);
    },
  };
}
