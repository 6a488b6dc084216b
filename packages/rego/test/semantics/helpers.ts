/** Small helpers shared by the semantics tests: compile one module, evaluate, catch a RegoError. */
import { compile } from '../../src/index.ts';
import type { CompileOptions } from '../../src/index.ts';
import { RegoError } from '../../src/errors.ts';

export function evaluate(source: string | Record<string, string>, query: string, options: { input?: unknown; data?: unknown } & CompileOptions = {}) {
  const files = typeof source === 'string' ? { 'test.rego': source } : source;
  const { input, data, ...compileOptions } = options;
  return compile(files, { data: data ?? {}, ...compileOptions }).evaluate(query, input === undefined ? {} : { input });
}

/** The RegoError that compiling (or evaluating) throws; fails the test when nothing is thrown. */
export function regoError(run: () => unknown): RegoError {
  try {
    run();
  } catch (error) {
    if (error instanceof RegoError) return error;
    throw error;
  }
  throw new Error('expected a RegoError');
}
