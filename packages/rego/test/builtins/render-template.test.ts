/**
 * strings.render_template is Go's text/template as OPA runs it (v1/topdown/template.go): the
 * variables object converted with ast.As (numbers become json.Number, a string type), executed
 * with the default missing-key option, and every "<no value>" in the output replaced by
 * "<undefined>". Errors are Go's texts, prefixed with the built-in's name.
 */
import { describe, expect, it } from 'vitest';
import { stringBuiltins } from '../../src/builtins/strings.ts';
import { RSet, fromJson } from '../../src/value.ts';
import { caller } from './call.ts';
import { failure } from './failure.ts';

const call = caller(stringBuiltins);
const render = (template: string, vars: unknown = {}) => call('strings.render_template', template, fromJson(vars));
const fails = (template: string, vars: unknown = {}) => failure(() => render(template, vars));

describe('strings.render_template - Go text/template as OPA runs it', () => {
  it('prints fields, numbers as written, missing keys and null as <undefined>', () => {
    expect(render('{{.test}}', { test: 'hello world' })).toBe('hello world');
    expect(render('{{.test}}', { test: 2023 })).toBe('2023');
    expect(render('test {{.foo}} {{.bar}} {{.baz}}', { baz: 1 })).toBe('test <undefined> <undefined> 1');
    expect(render('{{.a}}|{{.x.b.c}}', { a: null })).toBe('<undefined>|<undefined>');
    expect(render('{{.xs}} {{.m}} {{.e}}', { xs: ['a', 1, true, null], m: { b: 2, a: [1] }, e: {} })).toBe('[a 1 true <nil>] map[a:[1] b:2] map[]');
    expect(render('<no value>')).toBe('<undefined>');
  });

  it('runs parenthesised pipelines, pipes, variables and chained fields', () => {
    expect(render('{{ if gt (len .a) 0 }}some{{ else }}none{{ end }}', { a: [1, 2] })).toBe('some');
    expect(render('{{ if gt (len .a) 0 }}some{{ else }}none{{ end }}', { a: [] })).toBe('none');
    expect(render('{{ .name | printf "%s!" }}', { name: 'x' })).toBe('x!');
    expect(render('{{ $n := len .a }}{{ $n }} {{ (index .a 1).k }}', { a: [{ k: 1 }, { k: 'two' }] })).toBe('2 two');
    expect(render('{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ end }}{{ $x }}')).toBe('b');
    expect(render('{{ with .u }}{{ .name }}{{ else }}anon{{ end }}', { u: { name: 'ann' } })).toBe('ann');
    expect(render('{{ with .u }}{{ .name }}{{ else with .v }}{{ . }}{{ else }}anon{{ end }}', { v: 'vee' })).toBe('vee');
  });

  it('ranges over arrays, objects (sorted keys) and sets, with else, break and continue', () => {
    expect(render('{{range $i, $name := .hellonames}}{{if $i}},{{end}}hello {{$name}}{{end}}', { hellonames: ['rohan', 'john doe'] })).toBe('hello rohan,hello john doe');
    expect(render('{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}', { m: { b: 2, a: 1 } })).toBe('a=1;b=2;');
    expect(call('strings.render_template', '{{range .s}}{{.}}{{end}}', fromJson({})) ).toBe('');
    expect(render('{{range .xs}}{{.}}{{else}}empty{{end}}', { xs: [] })).toBe('empty');
    expect(render('{{range .xs}}{{if eq . "b"}}{{continue}}{{end}}{{if eq . "d"}}{{break}}{{end}}{{.}}{{end}}', { xs: ['a', 'b', 'c', 'd', 'e'] })).toBe('ac');
    expect(render('{{- range .xs }} {{.}} {{- end}}', { xs: [1, 2] })).toBe(' 1 2');
  });

  it('offers Go\'s functions: and or not len index slice print printf println html js urlquery eq ne lt le gt ge', () => {
    expect(render('{{and 1 0 2}} {{or 0 "" "x"}} {{not true}}')).toBe('0 x false');
    expect(render('{{len "héllo"}} {{len .m}} {{index .a 2}} {{index .m "k"}} {{index "abc" 1}}', { m: { k: 'v' }, a: ['x', 'y', 'z'] })).toBe('6 1 z v 98');
    expect(render('{{slice "abcdef" 1 3}} {{slice .a 1}}', { a: ['x', 'y', 'z'] })).toBe('bc [y z]');
    expect(render('{{print "a" 1 2 "b"}}|{{println "x" 1}}|{{printf "%05.1f-%q-%x" 3.14159 "q" 255}}')).toBe('a1 2b|x 1\n|003.1-"q"-ff');
    expect(render('{{html "<a href=\'x\'>&"}} {{js "it\'s <b>"}} {{urlquery "a b&c"}}')).toBe("&lt;a href=&#39;x&#39;&gt;&amp; it\\'s \\u003Cb\\u003E a+b%26c");
    expect(render('{{eq .s "x"}} {{eq .s "y" "x"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1.5 2.5}}', { s: 'x' })).toBe('true true true true true true false');
  });

  it('compares numbers from the variables as OPA does: they are json.Number, a string type', () => {
    expect(render('{{eq .n "5"}}', { n: 5 })).toBe('true');
    expect(fails('{{if eq .n 5}}five{{end}}', { n: 5 })).toBe(
      'eval_builtin_error: strings.render_template: template: template:1:5: executing "template" at <eq .n 5>: error calling eq: incompatible types for comparison',
    );
    expect(render('{{if .zero}}truthy{{end}}', { zero: 0 })).toBe('truthy');
  });

  it('reports parse errors as Go does', () => {
    expect(fails('{{if .a}}')).toBe('eval_builtin_error: strings.render_template: template: template:1: unexpected EOF');
    expect(fails('a\n{{constructor .a}}')).toBe('eval_builtin_error: strings.render_template: template: template:2: function "constructor" not defined');
    expect(fails('{{.a')).toBe('eval_builtin_error: strings.render_template: template: template:1: unclosed action');
    expect(fails('{{end}}')).toBe('eval_builtin_error: strings.render_template: template: template:1: unexpected {{end}}');
    expect(fails('{{$x}}')).toBe('eval_builtin_error: strings.render_template: template: template:1: undefined variable "$x"');
    expect(fails('{{}}')).toBe('eval_builtin_error: strings.render_template: template: template:1: missing value for command');
  });

  it('reports execution errors with Go\'s location and context', () => {
    expect(fails('{{.a.b}}', { a: 'text' })).toBe(
      'eval_builtin_error: strings.render_template: template: template:1:4: executing "template" at <.a.b>: can\'t evaluate field b in type string',
    );
    expect(fails('x\n {{index .a 5}}', { a: [1] })).toBe(
      'eval_builtin_error: strings.render_template: template: template:2:3: executing "template" at <index .a 5>: error calling index: index out of range: 5',
    );
    expect(fails('{{.a.b}}', { a: null })).toBe(
      'eval_builtin_error: strings.render_template: template: template:1:4: executing "template" at <.a.b>: nil pointer evaluating interface {}.b',
    );
    expect(fails('{{len true}}')).toBe('eval_builtin_error: strings.render_template: template: template:1:2: executing "template" at <len true>: error calling len: len of type bool');
    expect(fails('{{.a 1}}', { a: 1 })).toBe('eval_builtin_error: strings.render_template: template: template:1:2: executing "template" at <.a>: a is not a method but has arguments');
  });

  it('refuses variables that are not JSON, as ast.As does (sets, non-string keys)', () => {
    expect(failure(() => call('strings.render_template', '{{.s}}', fromJson({ s: RSet.of([1]) } as never)))).toMatch(/^eval_builtin_error: strings\.render_template: invalid character/);
  });
});
