import type { Value } from './value.ts';
import { typeName } from './value.ts';

/**
 * Errors of the Rego engine, with OPA's codes. OPA prints an error as
 * `file:row:col: code: message` (compile and parse errors) or `file:row: code: message`
 * (evaluation errors); `message` here holds the full printed form so that callers and the
 * conformance runner can match OPA's text, and `detail` the bare message.
 */
export type RegoErrorCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error'
  | 'rego_type_error'
  | 'eval_conflict_error'
  | 'eval_type_error'
  | 'eval_builtin_error'
  | 'eval_budget_error'
  | 'eval_cancel_error';

export interface Location {
  file: string;
  row: number;
  col: number;
}

export class RegoError extends Error {
  override readonly name = 'RegoError';
  constructor(
    readonly code: RegoErrorCode,
    readonly detail: string,
    readonly locations: Location[] = [],
    /** Evaluation errors print `file:row:` only, as OPA's topdown does. */
    withColumn = !code.startsWith('eval_'),
  ) {
    super(formatError(code, detail, locations[0], withColumn));
  }
}

function formatError(code: string, detail: string, at: Location | undefined, withColumn: boolean): string {
  if (!at) return `${code}: ${detail}`;
  const where = withColumn ? `${at.file}:${at.row}:${at.col}` : `${at.file}:${at.row}`;
  return `${where}: ${code}: ${detail}`;
}

type BuiltinErrorCode = 'eval_type_error' | 'eval_builtin_error';

/**
 * Raised by a built-in. The evaluator prefixes the location (`file:row: code: message`). The
 * message starts with the built-in's name, as OPA's do: `div: divide by zero`.
 */
export class BuiltinError extends Error {
  override readonly name = 'BuiltinError';
  constructor(
    readonly code: BuiltinErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** `count: operand 1 must be one of {array, object, set, string} but got number` */
export function operandError(builtin: string, position: number, expected: string, got: Value): BuiltinError {
  return new BuiltinError('eval_type_error', `${builtin}: operand ${position} must be ${expected} but got ${typeName(got)}`);
}

export function builtinError(builtin: string, message: string): BuiltinError {
  return new BuiltinError('eval_builtin_error', `${builtin}: ${message}`);
}
