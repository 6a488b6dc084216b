import { RObject } from '../value.ts';
import type { Builtin } from './types.ts';

/**
 * opa.runtime(): OPA returns its configuration, environment and version; mcp-warden exposes none
 * of them to policies, so it is `{}` as under OPA's test runner.
 */
export const runtimeBuiltins: Builtin[] = [{ name: 'opa.runtime', arity: 0, impl: () => new RObject() }];
