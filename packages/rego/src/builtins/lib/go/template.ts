import type { RObject } from '../../../value.ts';
import type { Arg, Command, ControlNode, Node, Parsed, Pipe } from './template-parse.ts';
import { TEMPLATE_NAME, TemplateError, argText, commandText, parseTemplate } from './template-parse.ts';
import { ARITY, FUNCS, FuncError } from './template-funcs.ts';
import type { GoValue } from './template-values.ts';
import { GoFloat, GoInt, GoMap, formatValue, goTypeName, goValueOf, truth } from './template-values.ts';

/**
 * strings.render_template: Go's text/template (parser in template-parse.ts, values in
 * template-values.ts, functions in template-funcs.ts) executed as OPA does (v1/topdown/template.go):
 * the default missing-key option, then every "<no value>" in the output becomes "<undefined>".
 * Execution errors read `template: template:LINE:COL: executing "template" at <CONTEXT>: ...`.
 */

export { TemplateError };

/** Bounds a template's work (range over ranges over ...): a policy must never hang its host. */
const MAX_OUTPUT = 1 << 20;
const MAX_STEPS = 100_000;

class Stop {
  constructor(readonly kind: 'break' | 'continue') {}
}

class Executor {
  private vars: [string, GoValue][] = [];
  private out = '';
  private steps = 0;

  constructor(private readonly parsed: Parsed) {}

  fail(pos: number, context: string, message: string): never {
    const before = this.parsed.source.slice(0, pos);
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const newline = before.lastIndexOf('\n');
    const col = newline < 0 ? pos : pos - newline - 1;
    const shown = context.length > 20 ? `${context.slice(0, 20)}...` : context;
    throw new TemplateError(`template: ${TEMPLATE_NAME}:${line}:${col}: executing "${TEMPLATE_NAME}" at <${shown}>: ${message}`);
  }

  run(dot: GoValue): string {
    this.vars = [['$', dot]];
    this.walk(dot, this.parsed.root);
    return this.out;
  }

  private walk(dot: GoValue, nodes: readonly Node[]): void {
    for (const node of nodes) {
      if (++this.steps > MAX_STEPS || this.out.length > MAX_OUTPUT) throw new TemplateError('template: execution exceeds the evaluation budget');
      switch (node.kind) {
        case 'text':
          this.out += node.text;
          break;
        case 'action': {
          const value = this.pipeline(dot, node.pipe);
          if (node.pipe.decl.length === 0) this.out += value === undefined || value === null ? '<no value>' : formatValue(value);
          break;
        }
        case 'if':
        case 'with': {
          const mark = this.vars.length;
          const value = this.pipeline(dot, node.pipe);
          if (truth(value)) this.walk(node.kind === 'with' ? value : dot, node.list);
          else if (node.elseList) this.walk(dot, node.elseList);
          this.vars.length = mark;
          break;
        }
        case 'range':
          this.range(dot, node);
          break;
        case 'break':
        case 'continue':
          throw new Stop(node.kind);
        case 'template': {
          const body = this.parsed.defines.get(node.name);
          if (!body) this.fail(node.pos, `template "${node.name}"`, `template "${node.name}" not defined`);
          const value = node.pipe ? this.pipeline(dot, node.pipe) : undefined;
          const saved = this.vars;
          this.vars = [['$', value]];
          this.walk(value, body!);
          this.vars = saved;
          break;
        }
      }
    }
  }

  private range(dot: GoValue, node: ControlNode): void {
    const mark = this.vars.length;
    const value = this.pipeline(dot, node.pipe);
    const { decl, isAssign } = node.pipe;
    let pairs: [GoValue, GoValue][];
    if (Array.isArray(value)) pairs = value.map((v, i) => [new GoInt(BigInt(i)), v]);
    else if (value instanceof GoMap) pairs = value.sortedKeys().map((k) => [k, value.entries.get(k)]);
    else if (value instanceof GoInt) {
      if (decl.length > 1) this.fail(node.pos, 'range', `can't use ${value.value} to iterate over more than one variable`);
      pairs = Array.from({ length: Math.max(0, Number(value.value)) }, (_, i) => [new GoInt(BigInt(i)), new GoInt(BigInt(i))]);
    } else if (value === undefined || value === null) pairs = [];
    else this.fail(node.pos, 'range', `range can't iterate over ${formatValue(value)}`);
    // Declared (:=) variables were pushed by the pipeline: the last one holds the element, the
    // one before it the index; assigned (=) ones are set by name.
    const top = this.vars.length;
    const put = (i: number, v: GoValue): void => {
      if (isAssign) this.assign(decl[i]!, v);
      else this.vars[top - decl.length + i] = [decl[i]!, v];
    };
    for (const [key, element] of pairs) {
      if (decl.length === 1) put(0, element);
      if (decl.length === 2) {
        put(0, key);
        put(1, element);
      }
      try {
        this.walk(element, node.list);
      } catch (stop) {
        if (!(stop instanceof Stop)) throw stop;
        if (stop.kind === 'break') break;
      } finally {
        this.vars.length = top;
      }
    }
    if (pairs.length === 0 && node.elseList) this.walk(dot, node.elseList);
    this.vars.length = mark;
  }

  private assign(name: string, value: GoValue): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]![0] === name) {
        this.vars[i] = [name, value];
        return;
      }
    }
  }

  private variable(name: string, pos: number): GoValue {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]![0] === name) return this.vars[i]![1];
    return this.fail(pos, name, `undefined variable: ${name}`);
  }

  private pipeline(dot: GoValue, pipe: Pipe): GoValue {
    let value: GoValue | typeof MISSING = MISSING;
    for (const cmd of pipe.cmds) value = this.command(dot, cmd, value);
    const result = value === MISSING ? undefined : value;
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.assign(name, result);
      else this.vars.push([name, result]);
    }
    return result;
  }

  private notAFunction(args: Arg[], final: GoValue | typeof MISSING): void {
    if (args.length > 1 || final !== MISSING) this.fail(args[0]!.pos, argText(args[0]!), `can't give argument to non-function ${argText(args[0]!)}`);
  }

  private command(dot: GoValue, cmd: Command, final: GoValue | typeof MISSING): GoValue {
    const first = cmd.args[0]!;
    switch (first.kind) {
      case 'field':
        return this.fieldChain(dot, dot, first, first.idents, cmd.args, final);
      case 'variable': {
        const value = this.variable(first.idents[0]!, first.pos);
        if (first.idents.length === 1) {
          this.notAFunction(cmd.args, final);
          return value;
        }
        return this.fieldChain(dot, value, first, first.idents.slice(1), cmd.args, final);
      }
      case 'chain': {
        if (first.node.kind === 'nil') this.fail(first.pos, argText(first), `indirection through explicit nil in ${argText(first)}`);
        return this.fieldChain(dot, this.arg(dot, first.node), first, first.fields, cmd.args, final);
      }
      case 'identifier':
        return this.call(dot, first.name, cmd, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.pipeline(dot, first.pipe);
      case 'nil':
        return this.fail(first.pos, 'nil', 'nil is not a command');
      default:
        this.notAFunction(cmd.args, final);
        return this.arg(dot, first);
    }
  }

  /** An argument's value (evalEmptyInterface). */
  private arg(dot: GoValue, arg: Arg): GoValue {
    switch (arg.kind) {
      case 'dot':
        return dot;
      case 'bool':
        return arg.value;
      case 'string':
        return arg.value;
      case 'number':
        return this.number(arg);
      case 'nil':
        return null;
      case 'field':
        return this.fieldChain(dot, dot, arg, arg.idents, [arg], MISSING);
      case 'variable': {
        const value = this.variable(arg.idents[0]!, arg.pos);
        return arg.idents.length === 1 ? value : this.fieldChain(dot, value, arg, arg.idents.slice(1), [arg], MISSING);
      }
      case 'pipe':
        return this.pipeline(dot, arg.pipe);
      case 'identifier':
        return this.call(dot, arg.name, { pos: arg.pos, args: [arg] }, MISSING);
      case 'chain':
        return this.fieldChain(dot, this.arg(dot, arg.node), arg, arg.fields, [arg], MISSING);
    }
  }

  /** Go's idealConstant: an int when the literal is integral, else a float64; 'c' is an int32. */
  private number(arg: Extract<Arg, { kind: 'number' }>): GoValue {
    const text = arg.text.replace(/_/g, '');
    if (text.startsWith("'")) return new GoInt(BigInt(JSON.parse(`"${text.slice(1, -1).replace(/\\'/g, "'")}"`).codePointAt(0)), 'int32');
    if (/^[-+]?0[xXbBoO]/.test(text) || /^[-+]?\d+$/.test(text)) {
      const sign = text.startsWith('-') ? -1n : 1n;
      const digits = text.replace(/^[-+]/, '');
      const value = sign * BigInt(/^0\d/.test(digits) ? `0o${digits.slice(1)}` : digits);
      if (value > 2n ** 63n - 1n || value < -(2n ** 63n)) this.fail(arg.pos, arg.text, `${arg.text} overflows int`);
      return new GoInt(value);
    }
    return new GoFloat(Number(text));
  }

  private fieldChain(dot: GoValue, receiver: GoValue, node: Arg, idents: string[], args: Arg[], final: GoValue | typeof MISSING): GoValue {
    let value = receiver;
    idents.forEach((name, i) => {
      const last = i === idents.length - 1;
      value = this.field(name, node, value, last && (args.length > 1 || final !== MISSING));
    });
    void dot;
    return value;
  }

  private field(name: string, node: Arg, receiver: GoValue, hasArgs: boolean): GoValue {
    if (receiver === undefined) return undefined;
    if (receiver === null) this.fail(node.pos, argText(node), `nil pointer evaluating interface {}.${name}`);
    if (receiver instanceof GoMap) {
      if (hasArgs) this.fail(node.pos, argText(node), `${name} is not a method but has arguments`);
      return receiver.entries.get(name);
    }
    return this.fail(node.pos, argText(node), `can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private call(dot: GoValue, name: string, cmd: Command, final: GoValue | typeof MISSING): GoValue {
    const args = cmd.args.slice(1);
    const count = args.length + (final === MISSING ? 0 : 1);
    const [min, max] = ARITY[name]!;
    if (count < min || count > max) {
      const want = max === Infinity ? `at least ${min}` : String(min);
      this.fail(cmd.args[0]!.pos, name, `wrong number of args for ${name}: want ${want} got ${count}`);
    }
    if (name === 'and' || name === 'or') {
      let value: GoValue;
      for (const arg of args) {
        value = this.arg(dot, arg);
        if (truth(value) === (name === 'or')) return value;
      }
      return final === MISSING ? value! : final;
    }
    const values = args.map((arg) => this.arg(dot, arg));
    if (final !== MISSING) values.push(final);
    try {
      return FUNCS[name]!(values);
    } catch (error) {
      if (error instanceof FuncError) this.fail(cmd.pos, commandText(cmd), `error calling ${name}: ${error.message}`);
      throw error;
    }
  }
}

const MISSING = Symbol('missing');

export function renderTemplate(template: string, vars: RObject): string {
  const parsed = parseTemplate(template);
  return new Executor(parsed).run(goValueOf(vars)).replaceAll('<no value>', '<undefined>');
}
