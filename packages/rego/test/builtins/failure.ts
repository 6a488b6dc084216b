import { BuiltinError } from '../../src/errors.ts';

/** The BuiltinError a call throws, as `code: message`. */
export function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BuiltinError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('the call did not fail');
}
