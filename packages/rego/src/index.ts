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
export { checkStrict } from './strict.ts';
export type { Module } from './ast.ts';
export type { Tracer } from './eval/tracer.ts';
export { evaluateQueryResults } from './query-results.ts';
export { explainDocument } from './explain.ts';
export type { Explanation, RuleExplanation } from './explain.ts';
export type { ExpressionValue, QueryResult } from './query-results.ts';
export { runTests } from './tester/run-tests.ts';
export type { CaseResult, TestOptions, TestOutcome, TestReport, TestResult } from './tester/run-tests.ts';
export { goDuration, renderTestReport, testReportJson } from './tester/report.ts';
export type { OutcomeWord, PrettyOptions } from './tester/report.ts';
export { thresholdMessage } from './tester/coverage.ts';
export type { CoverageReport, FileCoverage } from './tester/coverage.ts';
export { expressionText, expressionVars } from './tester/source-text.ts';
