import type { Value } from '../value.ts';
import { RObject } from '../value.ts';
import type { QueryDocument, SchemaDocument } from './lib/graphql/ast.ts';
import { AstDecodeError, astToValue, queryDocumentFromValue, schemaDocumentFromValue } from './lib/graphql/ast-json.ts';
import { GraphqlError } from './lib/graphql/lexer.ts';
import { parseQueryDocument, parseSchemaDocument } from './lib/graphql/parser.ts';
import { validateQuery } from './lib/graphql/rules.ts';
import type { Schema } from './lib/graphql/schema.ts';
import { buildSchema } from './lib/graphql/schema.ts';
import type { Builtin } from './types.ts';
import { BuiltinError, builtinError, operandError } from '../errors.ts';

/**
 * OPA's graphql.* built-ins. OPA answers them with the Go library gqlparser (vektah/gqlparser v2),
 * so results are gqlparser's AST as JSON and errors carry gqlparser's wording and locations.
 */

/** gqlerror's text: `input:LINE:COLUMN: message` (no location when the node came from JSON). */
function gqlErrorText(error: GraphqlError): string {
  const at = error.position ? `:${error.position.line}:${error.position.column}` : '';
  return `input${at}: ${error.message}`;
}

/** OPA's rewording of a gqlparser error: the message, then `in GraphQL string at location L:C`. */
function located(name: string, error: GraphqlError, text = error.message): BuiltinError {
  const at = error.position ? ` in GraphQL string at location ${error.position.line}:${error.position.column}` : '';
  return builtinError(name, `${text}${at}`);
}

/**
 * OPA reports a failed validation with the text of gqlparser's whole error list (an
 * `input:L:C: message` line per error, the first without its prefix) at the location of the first
 * error, trimming only a final ".\n": a list ending in "?" keeps its newline.
 */
function validationError(name: string, [first, ...rest]: readonly GraphqlError[]): BuiltinError {
  const lines = [first!.message, ...rest.map(gqlErrorText)].map((line) => `${line}\n`).join('');
  return located(name, first!, lines.endsWith('.\n') ? lines.slice(0, -2) : lines);
}

function rethrow(name: string, error: unknown): never {
  if (error instanceof GraphqlError) throw located(name, error);
  if (error instanceof AstDecodeError) throw builtinError(name, error.message);
  throw error;
}

function parseQuery(name: string, text: string): QueryDocument {
  try {
    return parseQueryDocument(text);
  } catch (error) {
    rethrow(name, error);
  }
}

function parseSchema(name: string, text: string): SchemaDocument {
  try {
    return parseSchemaDocument(text);
  } catch (error) {
    rethrow(name, error);
  }
}

/** A query argument: GraphQL text, or an AST object as parse_query returns it. */
function queryArg(name: string, arg: Value, position: number): QueryDocument {
  if (typeof arg === 'string') return parseQuery(name, arg);
  if (arg instanceof RObject) {
    try {
      return queryDocumentFromValue(arg);
    } catch (error) {
      rethrow(name, error);
    }
  }
  // OPA numbers these operands from 0.
  throw operandError(name, position - 1, 'one of {string, object}', arg);
}

function schemaArg(name: string, arg: Value, position: number): SchemaDocument {
  if (typeof arg === 'string') return parseSchema(name, arg);
  if (arg instanceof RObject) {
    try {
      return schemaDocumentFromValue(arg);
    } catch (error) {
      rethrow(name, error);
    }
  }
  throw operandError(name, position - 1, 'one of {string, object}', arg);
}

function schemaOf(name: string, document: SchemaDocument): Schema {
  try {
    return buildSchema(document);
  } catch (error) {
    if (error instanceof GraphqlError) throw builtinError(name, `Error in gqlparser SchemaDocument to Schema conversion: ${gqlErrorText(error)}`);
    throw error;
  }
}

/**
 * Runs a built-in over recursive-descent code. Go's growable stacks take any nesting; here a
 * document nested deeper than the JS stack allows becomes a built-in error instead of a crash.
 */
function bounded<T>(name: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RangeError) throw builtinError(name, 'GraphQL document nested too deeply');
    throw error;
  }
}

/** Parses both documents, validates the query against the schema, and returns both ASTs. */
function parseAndValidate(name: string, args: Value[]): [Value, Value] {
  return bounded(name, () => parseAndValidateUnbounded(name, args));
}

function parseAndValidateUnbounded(name: string, [query, schema]: Value[]): [Value, Value] {
  const queryDocument = queryArg(name, query!, 1);
  const schemaDocument = schemaArg(name, schema!, 2);
  // Converted before validation, as OPA does: the output shows the AST as parsed.
  const result: [Value, Value] = [astToValue(queryDocument), astToValue(schemaDocument)];
  const errors = validateQuery(schemaOf(name, schemaDocument), queryDocument);
  if (errors.length > 0) throw validationError(name, errors);
  return result;
}

/** For the built-ins that answer a failure with a value instead of an error. */
function succeeds(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof BuiltinError) return false;
    throw error;
  }
}

function stringOperand(name: string, arg: Value): string {
  if (typeof arg !== 'string') throw operandError(name, 1, 'string', arg);
  return arg;
}

export const graphqlBuiltins: Builtin[] = [
  {
    name: 'graphql.parse_query',
    arity: 1,
    impl: ([query]) => bounded('graphql.parse_query', () => astToValue(parseQuery('graphql.parse_query', stringOperand('graphql.parse_query', query!)))),
  },
  {
    name: 'graphql.parse_schema',
    arity: 1,
    impl: ([schema]) => bounded('graphql.parse_schema', () => astToValue(parseSchema('graphql.parse_schema', stringOperand('graphql.parse_schema', schema!)))),
  },
  {
    name: 'graphql.parse',
    arity: 2,
    impl: (args) => parseAndValidate('graphql.parse', args),
  },
  {
    name: 'graphql.parse_and_verify',
    arity: 2,
    impl: (args) => {
      let result: [Value, Value] | undefined;
      return succeeds(() => (result = parseAndValidate('graphql.parse_and_verify', args)))
        ? [true, ...result!]
        : [false, new RObject(), new RObject()];
    },
  },
  {
    name: 'graphql.is_valid',
    arity: 2,
    impl: (args) => succeeds(() => parseAndValidate('graphql.is_valid', args)),
  },
  {
    name: 'graphql.schema_is_valid',
    arity: 1,
    impl: ([schema]) =>
      succeeds(() => bounded('graphql.schema_is_valid', () => schemaOf('graphql.schema_is_valid', schemaArg('graphql.schema_is_valid', schema!, 1)))),
  },
];
