/**
 * Calls: built-ins from the registry, user functions (all bodies, `else`, `default`), replacements
 * installed by `with`, and `print`. A built-in error makes the call undefined; in strict mode the
 * first one is kept and returned after evaluation (OPA's StrictBuiltinErrors).
 */
import type { CallTerm, Term } from '../ast.ts';
import { RegoError } from '../errors.ts';
import type { Location } from '../errors.ts';
import { equals } from '../value.ts';
import type { Value } from '../value.ts';
import { BuiltinError } from '../builtins/types.ts';
import { builtins } from '../builtins/index.ts';
import type { Env, VK } from './context.ts';
import type { Evaluator } from './evaluator.ts';
import { chainValue } from './rules.ts';
import { evalList, valueText } from './terms.ts';

export function evalCall(ev: Evaluator, term: CallTerm, env: Env, k: VK): boolean {
  if (term.name === 'print') return evalPrint(ev, term, env, k);
  const replacement = ev.ctx.functions?.get(term.name);
  const arity = ev.policy.arityOf(term.name) ?? term.args.length;
  const inputs = term.args.length > arity ? term.args.slice(0, arity) : term.args;
  const output: Term | undefined = term.args.length > arity ? term.args[arity] : undefined;
  return evalList(ev, inputs, env, (args) => {
    if (replacement?.kind === 'value') return deliver(ev, replacement.value, output, env, k);
    const target = replacement?.kind === 'function' ? replacement.name : term.name;
    if (target.startsWith('data.')) {
      const result = callFunction(ev, target, args, term.loc);
      return result === undefined ? false : deliver(ev, result, output, env, k);
    }
    const builtin = builtins.get(target);
    if (!builtin) throw new RegoError('rego_type_error', `undefined function ${target}`, [term.loc]);
    let result: Value | undefined;
    try {
      result = builtin.impl(args, ev.builtinContext);
    } catch (error) {
      if (error instanceof BuiltinError) return ev.builtinFailed(error, term.loc);
      throw error;
    }
    if (result === undefined) return false;
    if (builtin.relation && Array.isArray(result)) {
      for (const item of result) if (deliver(ev, item, output, env, k)) return true;
      return false;
    }
    return deliver(ev, result, output, env, k);
  });
}

/** A call's result: unified with its output argument (`f(x, y)`), else the term's value. */
function deliver(ev: Evaluator, result: Value, output: Term | undefined, env: Env, k: VK): boolean {
  return output ? ev.unify(output, result, env, () => k(true)) : k(result);
}

/** Calls a user function by path with argument values. */
export function callFunction(ev: Evaluator, path: string, args: Value[], loc: Location): Value | undefined {
  const node = ev.policy.root.find(path.split('.').slice(1));
  if (!node) throw new RegoError('rego_type_error', `undefined function ${path}`, [loc]);
  return ev.nested(loc, () => {
    let result: Value | undefined;
    for (const rule of node.rules) {
      const params = rule.args ?? [];
      if (params.length !== args.length) continue;
      // Each else branch has its own parameter slots.
      const value = chainValue(ev, rule, 'functions must not produce multiple outputs for same inputs', (branch, env, run) =>
        bindParams(ev, branch.args ?? [], args, env, 0, run),
      );
      if (value === undefined) continue;
      if (result !== undefined && !equals(result, value)) ev.conflict('functions must not produce multiple outputs for same inputs', rule);
      result = value;
    }
    if (result !== undefined) return result;
    const fallback = node.defaults[0];
    if (!fallback) return undefined;
    let value: Value | undefined;
    ev.term(fallback.value, new Array(fallback.frameSize), (v) => {
      value = v;
      return true;
    });
    return value;
  });
}

function bindParams(ev: Evaluator, params: Term[], args: Value[], env: Env, i: number, run: () => boolean): boolean {
  if (i === params.length) return run();
  return ev.unify(params[i]!, args[i]!, env, () => bindParams(ev, params, args, env, i + 1, run));
}

/** `print(...)`: undefined arguments print as `<undefined>`; print itself always succeeds. */
function evalPrint(ev: Evaluator, term: CallTerm, env: Env, k: VK): boolean {
  const parts = term.args.map((arg) => {
    const values: string[] = [];
    ev.term(arg, env, (value) => {
      values.push(valueText(value));
      return false;
    });
    return values.length === 0 ? '<undefined>' : values.join(' ');
  });
  ev.options.print(parts.join(' '), term.loc);
  return k(true);
}
