/**
 * mcp-warden's Rego engine: parse, compile and evaluate Rego v1 with OPA's semantics. Knows
 * nothing of MCP; the policy/ layer builds inputs and reads decisions.
 */
export { compile, Evaluation, PolicySet, PreparedQuery } from './policy-set.ts';
export type { CompileOptions, EvaluateOptions, ValueResults } from './policy-set.ts';
export { RegoError } from './errors.ts';
export type { Location, RegoErrorCode } from './errors.ts';
export type { Limits } from './limits.ts';
export { DEFAULT_LIMITS } from './limits.ts';
export type { JsonValue, Value } from './value.ts';
export { parseModule } from './parser/module.ts';
export { renderTestReport, runTests } from './tester/run-tests.ts';
export type { TestReport, TestResult, TestStatus } from './tester/run-tests.ts';
