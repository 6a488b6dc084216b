import type { Builtin } from './types.ts';

/**
 * OPA's graphql.* built-ins. OPA answers them with the Go library gqlparser (vektah/gqlparser v2),
 * so results are gqlparser's AST as JSON and errors carry gqlparser's wording.
 */
export const graphqlBuiltins: Builtin[] = [];
