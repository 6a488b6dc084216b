/**
 * Issue 12, item 8: Rego v0 (OPA's --v0-compatible). With `v0Compatible`, modules use v0 syntax
 * and semantics: bodies without `if`, `p[x] { ... }` partial sets, `p[k] = v { ... }` partial
 * objects, `=` heads, `default p = v`, `else = v { ... }`, functions `f(x) { ... }`, and
 * `future.keywords` imports. `import rego.v1` inside v0 asks for v1 syntax in that module. In v1
 * mode, v0 syntax is an error that names the option.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, regoError } from './helpers.ts';

const V0 = `package k8s.admission

import future.keywords.in

default allow = false

allow {
	not deny_any
}

deny_any {
	count(deny) > 0
}

deny[msg] {
	input.request.kind.kind == "Pod"
	container := input.request.object.spec.containers[_]
	not startswith(container.image, "registry.example.com/")
	msg := sprintf("image %v comes from an untrusted registry", [container.image])
}

labels[k] = v {
	some k, v in input.request.object.metadata.labels
	startswith(k, "app.")
}

tier(name) = "system" {
	startswith(name, "kube-")
} else = "user" {
	true
}

is_privileged(c) {
	c.securityContext.privileged
}
`;

const pod = (images: string[]) => ({
  request: { kind: { kind: 'Pod' }, object: { metadata: { name: 'p', labels: { 'app.x': '1', team: 'a' } }, spec: { containers: images.map((image) => ({ image })) } } },
});

describe('Rego v0 (v0Compatible)', () => {
  it('evaluates a v0 admission module: partial sets, partial objects, =, default, else, functions', () => {
    const input = pod(['registry.example.com/a', 'docker.io/b']);
    expect(evaluate(V0, 'data.k8s.admission.deny = x', { input, v0Compatible: true })).toEqual([{ x: ['image docker.io/b comes from an untrusted registry'] }]);
    expect(evaluate(V0, 'data.k8s.admission.allow = x', { input, v0Compatible: true })).toEqual([{ x: false }]);
    expect(evaluate(V0, 'data.k8s.admission.allow = x', { input: pod(['registry.example.com/a']), v0Compatible: true })).toEqual([{ x: true }]);
    expect(evaluate(V0, 'data.k8s.admission.labels = x', { input, v0Compatible: true })).toEqual([{ x: { 'app.x': '1' } }]);
    expect(evaluate(V0, 'x := [data.k8s.admission.tier("kube-proxy"), data.k8s.admission.tier("web")]', { v0Compatible: true })).toEqual([{ x: ['system', 'user'] }]);
  });

  it('import rego.v1 inside v0 mode asks for v1 syntax in that module only', () => {
    const files = { 'v1.rego': 'package a\nimport rego.v1\np contains x if some x in [1]', 'v0.rego': 'package b\nq[x] { x := 2 }' };
    expect(evaluate(files, 'x := [data.a.p, data.b.q]', { v0Compatible: true })).toEqual([{ x: [[1], [2]] }]);
    const error = regoError(() => evaluate('package a\nimport rego.v1\np { true }', 'data.a.p = x', { v0Compatible: true }));
    expect(error.message).toMatch(/`if` keyword is required before rule body/);
  });

  it('v0 syntax in v1 mode is an error that suggests the v0 option', () => {
    const error = regoError(() => evaluate('package a\n\ndeny[msg] {\n  msg := "x"\n}', 'data.a.deny = x'));
    expect(error.code).toBe('rego_parse_error');
    expect(error.message).toBe('test.rego:3:11: rego_parse_error: `if` keyword is required before rule body (Rego v0 syntax: compile with the v0-compatible option, `--v0-compatible`)');
  });
});

describe('Rego v0 - deprecated built-ins', () => {
  it('a v0 module may call OPA\'s deprecated built-ins; a v1 module may not', () => {
    expect(evaluate('package a\np { re_match("^a", "abc") }', 'data.a.p = x', { v0Compatible: true })).toEqual([{ x: true }]);
    expect(() => evaluate('package a\np if re_match("^a", "abc")', 'data.a.p = x')).toThrow(/rego_type_error: undefined function re_match/);
  });
});
