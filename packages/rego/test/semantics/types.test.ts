/**
 * Issue 12, item 9: OPA's type checker (v1/ast/check.go) at compile time. Texts are OPA's: a
 * call's `have:` lists the argument types (a call nested in an expression has an unknown output,
 * `???`, as OPA rewrites it to `f(x, __local0__)`), `want:` the declared, named argument and result
 * types; `match error` for `=`; `undefined ref` with the ref, a caret and have/want lines.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, regoError } from './helpers.ts';

const typeError = (source: string, options: Parameters<typeof evaluate>[2] = {}): string => {
  const error = regoError(() => evaluate(source, 'x = 1', options));
  expect(error.code).toBe('rego_type_error');
  return error.message;
};

describe('type errors: built-in arguments', () => {
  it('a constant of the wrong type, with the declared names and the result', () => {
    expect(typeError('package t\np if count(1) > 0')).toBe(
      'test.rego:2:6: rego_type_error: count: invalid argument(s)\n\thave: (number, ???)\n\twant: (collection: any<string, array[any], object[any: any], set[any]>, n: number)',
    );
    expect(typeError('package t\np := upper(1)')).toMatch(/upper: invalid argument\(s\)\n\thave: \(number, \?\?\?\)\n\twant: \(x: string, y: string\)$/);
    // A call that is the whole expression has no output argument.
    expect(typeError('package t\np if startswith(input.x, 2)')).toMatch(/startswith: invalid argument\(s\)\n\thave: \(any, number\)\n\twant: \(search: string, base: string, result: boolean\)$/);
  });

  it('composite arguments are checked by their element types', () => {
    expect(typeError('package t\np if sum(["a", 1]) > 0')).toMatch(/sum: invalid argument\(s\)\n\thave: \(array<string, number>, \?\?\?\)\n\twant: \(collection: any<array\[number\], set\[number\]>, n: number\)$/);
    expect(typeError('package t\np := concat(",", {1, 2})')).toMatch(/concat: invalid argument\(s\)\n\thave: \(string, set\[number\], \?\?\?\)\n\twant: \(delimiter: string, collection: any<array\[string\], set\[string\]>, output: string\)$/);
    expect(typeError('package t\np := [x | x := 1] | {2}')).toMatch(/or: invalid argument\(s\)\n\thave: \(array\[number\], set\[number\], \?\?\?\)/);
  });

  it('even in a rule that is never evaluated (the checker is static)', () => {
    expect(() => evaluate('package t\np if { false; startswith(1, "a") }\nq := 1', 'data.t.q = x')).toThrow(/rego_type_error: startswith: invalid argument\(s\)/);
  });

  it('value-level failures stay evaluation errors: not type errors', () => {
    expect(evaluate('package t\np := x if x := to_number("1.5")', 'data.t.p = x')).toEqual([{ x: 1.5 }]);
    expect(evaluate('package t\np := regex.match("[", "a")', 'data.t.p = x')).toEqual([]);
    expect(evaluate('package t\np := array.slice([1, 2, 3], 1, 2)', 'data.t.p = x')).toEqual([{ x: [2] }]);
    expect(evaluate('package t\np := count(input.x)', 'data.t.p = x', { input: { x: 1 } })).toEqual([]);
  });

  it('queries are checked too', () => {
    expect(regoError(() => evaluate('package t', 'x := count(1)')).detail).toBe('count: invalid argument(s)\n\thave: (number, ???)\n\twant: (collection: any<string, array[any], object[any: any], set[any]>, n: number)');
  });
});

describe('type errors: types flow through rules and functions', () => {
  it("a rule's value type reaches the rules that use it", () => {
    expect(typeError('package t\nnames := ["a", "b"]\np if sum(names) > 1')).toMatch(/sum: invalid argument\(s\)\n\thave: \(array<string, string>, \?\?\?\)/);
    expect(typeError('package t\nids contains 1\nids contains 2\np if concat(",", ids)')).toMatch(/concat: invalid argument\(s\)\n\thave: \(string, set\[number\]\)\n/);
    expect(typeError('package t\nlimits[name] := 10 if some name in input.names\np if upper(limits.x)')).toMatch(/upper: invalid argument\(s\)\n\thave: \(number\)/);
  });

  it("a user function's result type, and its arguments inferred from its body", () => {
    expect(typeError('package t\nsize(x) := count(x)\np if upper(size([1])) == "A"')).toMatch(/upper: invalid argument\(s\)\n\thave: \(number, \?\?\?\)/);
    expect(typeError('package t\ninc(x) := x + 1\np := inc("a")')).toMatch(/rego_type_error: data\.t\.inc: invalid argument\(s\)\n\thave: \(string, \?\?\?\)\n\twant: \(number, number\)$/);
    // Two definitions: the union of their argument types.
    expect(evaluate('package t\nf(x) := x + 1\nf(x) := upper(x)\np := f("a")', 'data.t.p = x')).toEqual([{ x: 'A' }]);
  });

  it('`=` (and `==` in a module, which OPA rewrites to `=`) between types that cannot meet', () => {
    expect(typeError('package t\np if { x := 1; x = "a" }')).toBe('test.rego:2:16: rego_type_error: match error\n\tleft  : number\n\tright : string');
    expect(typeError('package t\np if count(input.x) == "a"')).toMatch(/match error\n\tleft  : number\n\tright : string$/);
    expect(typeError('package t\np if { [a, b] := [1, "x"]; a = b }')).toMatch(/match error\n\tleft  : number\n\tright : string$/);
  });
});

describe('type errors: refs', () => {
  it('a ref into a local variable that holds a scalar', () => {
    expect(typeError('package t\np if { x := 1; x.foo == 2 }')).toBe('test.rego:2:16: rego_type_error: undefined ref: x.foo\n\tx.foo\n\t^\n\thave: number');
  });

  it('a ref into a rule whose value is a scalar', () => {
    expect(typeError('package t\nlimit := 10\np if limit.max > 1')).toBe('test.rego:3:6: rego_type_error: undefined ref: data.t.limit.max\n\tdata.t.limit.max\n\t^^^^^^^^^^^^\n\thave: number');
  });

  it('a key a known object does not have, a string index into an array', () => {
    expect(typeError('package t\no := {"a": 1, "b": 2}\np if o.c == 1')).toBe(
      'test.rego:3:6: rego_type_error: undefined ref: data.t.o.c\n\tdata.t.o.c\n\t         ^\n\t         have: "c"\n\t         want (one of): ["a" "b"]',
    );
    expect(typeError('package t\nxs := [1, 2]\np if xs.a == 1')).toMatch(/undefined ref: data\.t\.xs\.a\n\tdata\.t\.xs\.a\n\t {10}\^\n\t {10}have: "a"\n\t {10}want \(type\): number$/);
  });

  it('never rejects what may exist: empty objects, base documents, input without a schema, dynamic keys', () => {
    const accepted = [
      'package t\np if { x := {}; x.foo }',
      'package t\np if data.base.missing.deep == 1',
      'package t\np if input.anything[0].at.all',
      'package t\nm[k] := 1 if some k in input.ks\np if m.anything == 1',
      'package t\no := {"a": {"b": 1}}\np if { some k; o[k].b == 1 }',
      'package t\np if { x := input.y; x.z; count(x) > 1 }',
      'package t\nf(x) := y if y := x\np := f(1) + f(2)',
      // `some i` used only in comprehensions: each comprehension has its own `i` (array index, object key).
      'package t\nxs := [1, 2]\no := {"a": 1}\np if { some i; a := [x | x := xs[i]]; b := [y | y := o[i]]; count(a) > count(b) }',
    ];
    for (const source of accepted) expect(() => evaluate(source, 'x = 1', { data: { base: {} } }), source).not.toThrow();
  });
});

// A Kubernetes AdmissionReview's request, as far as these tests need it (also used by the CLI tests).
const admissionSchema: unknown = JSON.parse(readFileSync(new URL('./fixtures/admission-schema.json', import.meta.url), 'utf8'));

describe('type errors: schemas (OPA --schema and METADATA schemas)', () => {
  const typo = 'package t\ndeny contains "x" if input.request.kind.kinds == "Pod"';

  it('a schema for input (opa --schema FILE): a field it does not have is a type error', () => {
    expect(typeError(typo, { schemas: { schema: admissionSchema } })).toBe(
      'test.rego:2:22: rego_type_error: undefined ref: input.request.kind.kinds\n\tinput.request.kind.kinds\n\t                   ^\n\t                   have: "kinds"\n\t                   want (one of): ["group" "kind" "version"]',
    );
    expect(() => evaluate(typo, 'x = 1')).not.toThrow();
    // Fields the schema leaves open (`object` without properties) take anything.
    expect(() => evaluate('package t\np if input.request.object.spec.containers[_].image', 'x = 1', { schemas: { schema: admissionSchema } })).not.toThrow();
    expect(typeError('package t\np if upper(input.request.kind.kind) == 1', { schemas: { schema: admissionSchema } })).toMatch(/match error\n\tleft  : string\n\tright : number$/);
  });

  it('METADATA schemas name a schema of the set, or inline one', () => {
    const annotated = `package t
# METADATA
# schemas:
#   - input: schema.admission
deny contains "x" if input.request.kind.kinds == "Pod"
allowed if input.request.kind.kinds == "Pod"`;
    expect(typeError(annotated, { schemas: { 'schema.admission': admissionSchema } })).toMatch(/^test\.rego:5:22: rego_type_error: undefined ref: input\.request\.kind\.kinds\n/);
    // Only the annotated rule has the schema.
    expect(() => evaluate(annotated.replace(/# METADATA[^]*?deny[^\n]*\n/, ''), 'x = 1', { schemas: { 'schema.admission': admissionSchema } })).not.toThrow();
    // A ref is used only when a schema set is given (as OPA without --schema); a missing one is an error.
    expect(() => evaluate(annotated, 'x = 1')).not.toThrow();
    expect(typeError(annotated, { schemas: { 'schema.other': {} } })).toBe('test.rego:5:1: rego_type_error: undefined schema: schema.admission');
    const inline = `package t
# METADATA
# schemas:
#   - input.user: {"type": "object", "properties": {"name": {"type": "string"}}}
p if input.user.nme == "alice"`;
    expect(typeError(inline)).toMatch(/undefined ref: input\.user\.nme\n.*\n.*\n.*have: "nme"\n.*want \(one of\): \["name"\]$/);
  });
});
