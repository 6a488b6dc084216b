/**
 * Calls: built-ins from the registry, user functions (all bodies, `else`, `default`), replacements
 * installed by `with`, and `print`. A built-in error makes the call undefined; in strict mode the
 * first one is kept and returned after evaluation (OPA's StrictBuiltinErrors).
 */
import type { CallTerm, Term } from '../ast.ts';
import { BuiltinError, RegoError } from '../errors.ts';
import type { Location } from '../errors.ts';
import { equals } from '../value.ts';
import type { Value } from '../value.ts';
import type { Builtin } from '../builtins/types.ts';
import type { CompiledPolicy } from '../compiler/compile.ts';
import type { RuleNode } from '../compiler/rule-tree.ts';
import { builtins, callBuiltin } from '../builtins/index.ts';
import type { Env, K, VK } from './context.ts';
import type { Evaluator } from './evaluator.ts';
import { chainValue } from './rules.ts';
import { NOT_QUICK, evalList, quickValues, valueText } from './terms.ts';

/**
 * What a call site resolves to in one compiled policy: the split of its arguments into inputs and
 * output, and its target (a built-in, or a function's rule node). Computed on the first call and
 * kept on the term, so a call does not look its arity, built-in or rule node up by name again.
 */
interface CallSite {
  policy: CompiledPolicy;
  inputs: Term[];
  output: Term | undefined;
  builtin: Builtin | undefined;
  /** For `data.` targets: the function's node (undefined when no such function exists). */
  node: RuleNode | undefined;
}

/** Kept on the term under a symbol (not enumerable): a property read is cheaper than a WeakMap. */
const SITE = Symbol('call site');
type WithSite = CallTerm & { [SITE]?: CallSite };

function callSite(ev: Evaluator, term: CallTerm): CallSite {
  let site = (term as WithSite)[SITE];
  if (site === undefined || site.policy !== ev.policy) {
    const arity = ev.policy.arityOf(term.name) ?? term.args.length;
    const isFunction = term.name.startsWith('data.');
    site = {
      policy: ev.policy,
      inputs: term.args.length > arity ? term.args.slice(0, arity) : term.args,
      output: term.args.length > arity ? term.args[arity] : undefined,
      builtin: isFunction ? undefined : builtins.get(term.name),
      node: isFunction ? functionNode(ev, term.name) : undefined,
    };
    Object.defineProperty(term, SITE, { value: site, writable: true, configurable: true, enumerable: false });
  }
  return site;
}

function functionNode(ev: Evaluator, path: string): RuleNode | undefined {
  return ev.policy.root.find(path.split('.').slice(1));
}

export function evalCall(ev: Evaluator, term: CallTerm, env: Env, k: VK): boolean {
  if (term.name === 'print') return evalPrint(ev, term, env, k);
  const replacement = ev.ctx.functions?.get(term.name);
  const site = callSite(ev, term);
  const output = site.output;
  return evalList(ev, site.inputs, env, (args) => {
    if (replacement?.kind === 'value') return deliver(ev, replacement.value, output, env, k);
    const target = replacement?.kind === 'function' ? replacement.name : term.name;
    if (target.startsWith('data.')) {
      const node = target === term.name ? site.node : functionNode(ev, target);
      if (!node) throw new RegoError('rego_type_error', `undefined function ${target}`, [term.loc]);
      const result = callFunction(ev, node, args, term.loc);
      return result === undefined ? false : deliver(ev, result, output, env, k);
    }
    const builtin = target === term.name ? site.builtin : builtins.get(target);
    if (!builtin) throw new RegoError('rego_type_error', `undefined function ${target}`, [term.loc]);
    let result: Value | undefined;
    try {
      result = callBuiltin(builtin, args, ev.builtinContext);
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

/**
 * An expression that is a call alone (`glob.match(...)`, `x == y`, `f(x)`): true when the call's
 * value is defined and not false. When its arguments need only lookups and the call has at most
 * one value, the value is computed directly, without the continuation closures of evalCall.
 */
export function evalCallExpr(ev: Evaluator, term: CallTerm, env: Env, k: K): boolean {
  if (term.name !== 'print' && ev.ctx.functions?.has(term.name) !== true) {
    const site = callSite(ev, term);
    if (site.output === undefined && (site.node !== undefined || (site.builtin !== undefined && site.builtin.relation !== true))) {
      const args = quickValues(ev, site.inputs, env);
      if (args === undefined) return false;
      if (args !== NOT_QUICK) {
        let value: Value | undefined;
        if (site.node !== undefined) value = callFunction(ev, site.node, args, term.loc);
        else {
          try {
            value = callBuiltin(site.builtin!, args, ev.builtinContext);
          } catch (error) {
            if (error instanceof BuiltinError) return ev.builtinFailed(error, term.loc);
            throw error;
          }
        }
        return value === undefined || value === false ? false : k();
      }
    }
  }
  return evalCall(ev, term, env, (value) => (value === false ? false : k()));
}

/** A call's result: unified with its output argument (`f(x, y)`), else the term's value. */
function deliver(ev: Evaluator, result: Value, output: Term | undefined, env: Env, k: VK): boolean {
  return output ? ev.unify(output, result, env, () => k(true)) : k(result);
}

/** Calls a user function (its rule node) with argument values. */
function callFunction(ev: Evaluator, node: RuleNode, args: Value[], loc: Location): Value | undefined {
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
  // Plain parameter names (nearly all) bind without a continuation each. The frame is fresh for
  // this branch and dropped after it, so nothing needs unbinding on the way back.
  for (; i < params.length; i++) {
    const param = params[i]!;
    if (param.type !== 'var' || param.slot === -1 || env[param.slot!] !== undefined) break;
    ev.tick(param.loc);
    env[param.slot!] = args[i]!;
  }
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
