import { describe, expect, it } from 'vitest';
import { graphqlBuiltins } from '../../src/builtins/graphql.ts';
import type { Value } from '../../src/value.ts';
import { fromJson, toJson } from '../../src/value.ts';
import { caller } from './call.ts';
import { failure } from './failure.ts';

const call = caller(graphqlBuiltins);
const json = (name: string, ...args: Value[]) => toJson(call(name, ...args)!);

describe('graphql.parse_query', () => {
  it('returns gqlparser AST JSON with positions and empty members pruned', () => {
    expect(json('graphql.parse_query', 'query Q($v: [Int!]! = [1]) { a: f(x: $v, s: "t") @skip(if: true) { ...F ... on T { g } } }')).toEqual({
      Operations: [
        {
          Name: 'Q',
          Operation: 'query',
          VariableDefinitions: [
            {
              Variable: 'v',
              Type: { Elem: { NamedType: 'Int', NonNull: true }, NamedType: '', NonNull: true },
              DefaultValue: {
                Children: [{ Name: '', Value: { ExpectedTypeHasDefault: false, Kind: 1, Raw: '1' } }],
                ExpectedTypeHasDefault: false,
                Kind: 8,
                Raw: '',
              },
              Used: false,
            },
          ],
          SelectionSet: [
            {
              Alias: 'a',
              Name: 'f',
              Arguments: [
                { Name: 'x', Value: { ExpectedTypeHasDefault: false, Kind: 0, Raw: 'v' } },
                { Name: 's', Value: { ExpectedTypeHasDefault: false, Kind: 3, Raw: 't' } },
              ],
              Directives: [{ Name: 'skip', Location: '', Arguments: [{ Name: 'if', Value: { ExpectedTypeHasDefault: false, Kind: 5, Raw: 'true' } }] }],
              SelectionSet: [{ Name: 'F' }, { TypeCondition: 'T', SelectionSet: [{ Alias: 'g', Name: 'g' }] }],
            },
          ],
        },
      ],
    });
  });

  it('dedents block strings', () => {
    const ast = json('graphql.parse_query', '{ f(s: """\n    a\n      b\n  """) }') as { Operations: { SelectionSet: { Arguments: { Value: { Raw: string } }[] }[] }[] };
    expect(ast.Operations[0]!.SelectionSet[0]!.Arguments[0]!.Value.Raw).toBe('a\n  b');
  });

  it('reports gqlparser messages at rune columns', () => {
    const fails = (query: string) => failure(() => call('graphql.parse_query', query));
    expect(fails('{')).toBe('eval_builtin_error: graphql.parse_query: Expected Name, found <EOF> in GraphQL string at location 1:2');
    expect(fails('...')).toBe('eval_builtin_error: graphql.parse_query: Unexpected ... in GraphQL string at location 1:1');
    expect(fails('{ ...on }')).toBe('eval_builtin_error: graphql.parse_query: Expected Name, found } in GraphQL string at location 1:9');
    expect(fails('{ f(a: "ਊ") g(')).toBe('eval_builtin_error: graphql.parse_query: Expected Name, found <EOF> in GraphQL string at location 1:15');
    expect(fails('{ f }\nfoo')).toBe('eval_builtin_error: graphql.parse_query: Unexpected Name "foo" in GraphQL string at location 2:1');
    expect(fails('{ f(a: "open) }')).toBe('eval_builtin_error: graphql.parse_query: Unexpected <Invalid> in GraphQL string at location 1:16');
  });

  it('is a type error on a non-string', () => {
    expect(failure(() => call('graphql.parse_query', 1))).toBe('eval_type_error: graphql.parse_query: operand 1 must be string but got number');
  });
});

describe('graphql.parse_schema', () => {
  it('keeps descriptions and BuiltIn, separates extensions', () => {
    expect(json('graphql.parse_schema', '"d" type A implements & B { f(x: Int = 1): [A] } extend union U = A')).toEqual({
      Definitions: [
        {
          BuiltIn: false,
          Description: 'd',
          Kind: 'OBJECT',
          Name: 'A',
          Interfaces: ['B'],
          Fields: [
            {
              Description: '',
              Name: 'f',
              Arguments: [
                { Description: '', Name: 'x', Type: { NamedType: 'Int', NonNull: false }, DefaultValue: { ExpectedTypeHasDefault: false, Kind: 1, Raw: '1' } },
              ],
              Type: { Elem: { NamedType: 'A', NonNull: false }, NamedType: '', NonNull: false },
            },
          ],
        },
      ],
      Extensions: [{ BuiltIn: false, Description: '', Kind: 'UNION', Name: 'U', Types: ['A'] }],
    });
  });

  it('places string tokens after their opening quotes, as gqlparser does', () => {
    expect(failure(() => call('graphql.parse_schema', '\n  "D"\n  extend type A { f: Int }'))).toBe(
      'eval_builtin_error: graphql.parse_schema: Unexpected String "D" in GraphQL string at location 2:4',
    );
    expect(failure(() => call('graphql.parse_schema', 'enum E {}'))).toBe(
      'eval_builtin_error: graphql.parse_schema: expected at least one definition, found } in GraphQL string at location 1:9',
    );
  });
});

describe('graphql.schema_is_valid', () => {
  const valid = (schema: Value) => call('graphql.schema_is_valid', schema);
  it('folds extensions into types, creating missing ones', () => {
    expect(valid('extend type Query { u: U } extend type User { id: ID! } union U = User')).toBe(true);
    expect(valid('extend scalar S @specifiedBy(url: "x") extend type S @deprecated')).toBe(false);
  });
  it('checks references, interfaces and input types', () => {
    expect(valid('type A implements I { f: Int }')).toBe(false);
    expect(valid('interface I { f: Int } interface J implements I { f: Int } type A implements J { f: Int }')).toBe(false);
    expect(valid('interface I { f: Int } interface J implements I { f: Int } type A implements J & I { f: Int }')).toBe(true);
    expect(valid('type O { f: Int } input In { o: O }')).toBe(false);
    expect(valid('schema { query: Missing }')).toBe(false);
    expect(valid('type __A { f: Int }')).toBe(false);
    expect(valid('not graphql')).toBe(false);
    expect(valid(3)).toBe(false);
  });
});

describe('graphql.parse', () => {
  const schema = `
    type Query { hero(episode: Episode!): Hero, search(text: String): [Result] }
    type Hero { name: String, friends: [Hero] }
    type Droid { model: String }
    union Result = Hero | Droid
    enum Episode { NEWHOPE EMPIRE }
  `;

  it('returns both ASTs as parsed (validation annotations left out)', () => {
    const [query] = json('graphql.parse', 'query ($e: Episode!) { hero(episode: $e) { name } }', schema) as [{ Operations: { VariableDefinitions: { Used: boolean }[] }[] }];
    expect(query.Operations[0]!.VariableDefinitions[0]!.Used).toBe(false);
  });

  it('reports the first validation error at its location, without the final period', () => {
    const fails = (query: string) => failure(() => call('graphql.parse', query, schema));
    expect(fails('{\n  hero { name }\n}')).toBe(
      'eval_builtin_error: graphql.parse: Field "hero" argument "episode" of type "Episode!" is required, but it was not provided in GraphQL string at location 2:3',
    );
    expect(fails('{ hero(episode: NEWHOPE) { nam } }')).toBe(
      // OPA trims only a final ".\n" from gqlparser's error list text, so a suggestion keeps its newline.
      'eval_builtin_error: graphql.parse: Cannot query field "nam" on type "Hero". Did you mean "name"?\n in GraphQL string at location 1:28',
    );
    expect(fails('{ hero(episode: JEDI) { name } }')).toBe(
      'eval_builtin_error: graphql.parse: Value "JEDI" does not exist in "Episode!" enum in GraphQL string at location 1:17',
    );
    expect(fails('query ($x: Int) { search { ... on Droid { model } } }')).toBe(
      'eval_builtin_error: graphql.parse: Variable "$x" is never used in GraphQL string at location 1:8',
    );
  });

  it('joins several errors as OPA prints gqlparser error lists', () => {
    expect(failure(() => call('graphql.parse', '{ a b }', 'type Query { count: Int }'))).toBe(
      'eval_builtin_error: graphql.parse: Cannot query field "a" on type "Query".\ninput:1:5: Cannot query field "b" on type "Query" in GraphQL string at location 1:3',
    );
  });

  it('requires fields sharing a response name to merge, through fragments and sub-selections', () => {
    const dogs = 'type Query { dog: Dog } type Dog { name: String, nickname: String, owner: Dog }';
    expect(failure(() => call('graphql.parse', '{ dog { ...A ...B } } fragment A on Dog { x: name } fragment B on Dog { x: nickname }', dogs))).toBe(
      'eval_builtin_error: graphql.parse: Fields "x" conflict because name and nickname are different fields. Use different aliases on the fields to fetch both if this was intentional in GraphQL string at location 1:73',
    );
    expect(failure(() => call('graphql.parse', '{ dog { owner { name } owner { name: nickname } } }', dogs))).toBe(
      'eval_builtin_error: graphql.parse: Fields "owner" conflict because subfields "name" conflict because name and nickname are different fields. Use different aliases on the fields to fetch both if this was intentional in GraphQL string at location 1:24',
    );
    expect(call('graphql.is_valid', '{ dog { name name owner { name } owner { nickname } } }', dogs)).toBe(true);
  });

  it('counts variables used inside spread fragments', () => {
    const query = 'query Foo($flag: Boolean!) { ...Bar } fragment Bar on Query { search @include(if: $flag) { ... on Hero { name } } }';
    expect(call('graphql.is_valid', query, schema)).toBe(true);
  });

  it('reports schema errors as a conversion failure', () => {
    expect(failure(() => call('graphql.parse', '{ a }', 'type Query { a: Missing }'))).toBe(
      'eval_builtin_error: graphql.parse: Error in gqlparser SchemaDocument to Schema conversion: input:1:17: Undefined type Missing.',
    );
  });
});

describe('graphql.is_valid and graphql.parse_and_verify', () => {
  const schema = 'type Query { bar: String! } type Mutation { x: String! }';

  it('accept AST objects, which carry no positions', () => {
    const query = call('graphql.parse_query', 'mutation { x }')!;
    const schemaAst = call('graphql.parse_schema', schema)!;
    expect(call('graphql.is_valid', query, schemaAst)).toBe(true);
    const unknownArgument = fromJson({
      Operations: [{ Name: '', Operation: 'mutation', SelectionSet: [{ Alias: 'x', Name: 'x', Arguments: [{ Name: 'a', Value: { Kind: 7, Raw: 'b' } }] }] }],
    });
    expect(call('graphql.is_valid', unknownArgument, schemaAst)).toBe(false);
    const withoutValue = fromJson({ Operations: [{ Operation: 'mutation', SelectionSet: [{ Alias: 'x', Name: 'x', Arguments: [{ Name: 'a' }] }] }] });
    expect(call('graphql.is_valid', withoutValue, schemaAst)).toBe(false);
    expect(failure(() => call('graphql.parse', fromJson({ Operations: 3 }), schemaAst))).toMatch(/^eval_builtin_error: graphql.parse: json: cannot unmarshal/);
  });

  it('turn nesting deeper than the JS stack into a failure, not a crash', () => {
    const deep = `{ f(a: ${'['.repeat(50_000)}${']'.repeat(50_000)}) }`;
    expect(failure(() => call('graphql.parse_query', deep))).toBe('eval_builtin_error: graphql.parse_query: GraphQL document nested too deeply');
    expect(call('graphql.is_valid', deep, 'type Query { f(a: Int): Int }')).toBe(false);
  });

  it('answer failures with false', () => {
    expect(json('graphql.parse_and_verify', '{ nope }', schema)).toEqual([false, {}, {}]);
    expect(json('graphql.parse_and_verify', 1, schema)).toEqual([false, {}, {}]);
    expect((json('graphql.parse_and_verify', '{ bar }', schema) as unknown[])[0]).toBe(true);
    expect(call('graphql.is_valid', '{ bar { x } }', schema)).toBe(false);
  });
});
