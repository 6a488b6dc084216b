/**
 * Go's text/template parser (text/template/parse), for strings.render_template: actions,
 * pipelines with `|`, parenthesised pipelines, chained fields (`(index .a 0).b`), variables
 * (`$x := ...`, `$x = ...`), if / else if / with / else with / range (with break and continue) /
 * define / template / block, comments and `{{-`/`-}}` trimming. Errors carry Go's text
 * (`template: template:LINE: ...`); nodes keep their byte offset for execution errors.
 */

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

export const TEMPLATE_NAME = 'template';

export type Arg =
  | { kind: 'field'; pos: number; idents: string[] }
  | { kind: 'variable'; pos: number; idents: string[] }
  | { kind: 'dot'; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'number'; pos: number; text: string }
  | { kind: 'string'; pos: number; text: string; value: string }
  | { kind: 'identifier'; pos: number; name: string }
  | { kind: 'pipe'; pos: number; pipe: Pipe }
  | { kind: 'chain'; pos: number; node: Arg; fields: string[] };

export interface Command {
  pos: number;
  args: Arg[];
}

export interface Pipe {
  pos: number;
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
}

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pos: number; pipe: Pipe }
  | ControlNode
  | { kind: 'break' | 'continue'; pos: number }
  | { kind: 'template'; pos: number; name: string; pipe: Pipe | undefined };

export interface ControlNode {
  kind: 'if' | 'with' | 'range';
  pos: number;
  pipe: Pipe;
  list: Node[];
  elseList: Node[] | undefined;
}

const FUNCTIONS = new Set(['and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println', 'urlquery', 'eq', 'ge', 'gt', 'le', 'lt', 'ne']);

/** Go's Node.String(), the `<...>` context of execution errors. */
export function argText(arg: Arg): string {
  switch (arg.kind) {
    case 'field':
      return arg.idents.map((i) => `.${i}`).join('');
    case 'variable':
      return arg.idents.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(arg.value);
    case 'number':
    case 'string':
      return arg.text;
    case 'identifier':
      return arg.name;
    case 'pipe':
      return `(${pipeText(arg.pipe)})`;
    case 'chain':
      return `${argText(arg.node)}${arg.fields.map((f) => `.${f}`).join('')}`;
  }
}

export const commandText = (cmd: Command): string => cmd.args.map(argText).join(' ');

function pipeText(pipe: Pipe): string {
  const decl = pipe.decl.length > 0 ? `${pipe.decl.join(', ')} ${pipe.isAssign ? '=' : ':='} ` : '';
  return decl + pipe.cmds.map(commandText).join(' | ');
}

type Token = { type: 'text' | 'open' | 'close' | 'word' | 'field' | 'variable' | 'string' | 'number' | 'char' | 'punct' | 'space' | 'eof'; text: string; pos: number };

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil', 'true', 'false']);

/** The template split into tokens: text between actions, and the tokens inside each action. */
function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    let open = source.indexOf('{{', pos);
    if (open < 0) open = source.length;
    let text = source.slice(pos, open);
    const trimLeft = source.startsWith('{{-', open) && /[\t\r\n ]/.test(source[open + 3] ?? '');
    if (trimLeft) text = text.replace(/[\t\r\n ]+$/, '');
    if (text !== '') tokens.push({ type: 'text', text, pos });
    if (open >= source.length) break;
    pos = open + 2 + (trimLeft ? 2 : 0);
    if (source.startsWith('/*', pos) || (trimLeft && source.startsWith('/*', pos))) {
      const end = source.indexOf('*/', pos + 2);
      if (end < 0) throw parseError(source, open, 'unclosed comment');
      pos = end + 2;
      const close = /^(?: -)?\}\}/.exec(source.slice(pos));
      if (!close) throw parseError(source, open, 'comment ends before closing delimiter');
      pos += close[0].length;
      if (close[0].startsWith(' -')) pos += /^[\t\r\n ]*/.exec(source.slice(pos))![0].length;
      continue;
    }
    tokens.push({ type: 'open', text: '{{', pos: open });
    pos = lexAction(source, pos, tokens, open);
  }
  tokens.push({ type: 'eof', text: '', pos: source.length });
  return tokens;
}

const ACTION_TOKEN = /(\s+)|("(?:[^"\\\n]|\\.)*")|(`[^`]*`)|('(?:[^'\\\n]|\\.)*')|([-+]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][-+]?\d+)?))|(\$\w*)|(\.\w+)|(\w+)|(:=|[=|(),.])/y;

function lexAction(source: string, start: number, tokens: Token[], open: number): number {
  let pos = start;
  for (;;) {
    const trimRight = /^[\t\r\n ]+-\}\}/.exec(source.slice(pos, pos + 64));
    if (trimRight) {
      tokens.push({ type: 'close', text: '}}', pos: pos + trimRight[0].length - 2 });
      pos += trimRight[0].length;
      return pos + /^[\t\r\n ]*/.exec(source.slice(pos))![0].length;
    }
    if (source.startsWith('}}', pos)) {
      tokens.push({ type: 'close', text: '}}', pos });
      return pos + 2;
    }
    if (pos >= source.length) throw parseError(source, open, 'unclosed action');
    ACTION_TOKEN.lastIndex = pos;
    const m = ACTION_TOKEN.exec(source);
    if (!m) {
      const c = String.fromCodePoint(source.codePointAt(pos)!);
      const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      throw parseError(source, pos, `unexpected bad character U+${code} '${c}' in command`);
    }
    const type: Token['type'] =
      m[1] !== undefined ? 'space' : m[2] !== undefined || m[3] !== undefined ? 'string' : m[4] !== undefined ? 'char' : m[5] !== undefined ? 'number' : m[6] !== undefined ? 'variable' : m[7] !== undefined ? 'field' : m[8] !== undefined ? 'word' : 'punct';
    tokens.push({ type, text: m[0], pos });
    pos += m[0].length;
  }
}

function lineOf(source: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < source.length; i++) if (source[i] === '\n') line++;
  return line;
}

function parseError(source: string, pos: number, message: string): TemplateError {
  return new TemplateError(`template: ${TEMPLATE_NAME}:${lineOf(source, pos)}: ${message}`);
}

/** Go's strconv.Unquote for template string and char literals. */
function unquote(text: string): string {
  if (text.startsWith('`')) return text.slice(1, -1);
  const body = text.slice(1, -1).replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\U([0-9a-fA-F]{8})/g, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
  return JSON.parse(`"${body.replace(/\\'/g, "'").replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b')}"`) as string;
}

export interface Parsed {
  readonly root: Node[];
  readonly defines: Map<string, Node[]>;
  readonly source: string;
}

class Parser {
  private i = 0;
  private vars: string[][] = [['$']];
  readonly defines = new Map<string, Node[]>();

  constructor(
    private readonly tokens: Token[],
    readonly source: string,
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    return this.tokens[this.i++]!;
  }

  private peekNonSpace(): Token {
    while (this.peek().type === 'space') this.i++;
    return this.peek();
  }

  private nextNonSpace(): Token {
    this.peekNonSpace();
    return this.next();
  }

  fail(token: Token, message: string): never {
    throw parseError(this.source, token.pos, message);
  }

  /** Nodes until `{{end}}`/`{{else}}` (returned as the keyword met) or the end of input. */
  list(stops: readonly string[]): [Node[], string | undefined, Token | undefined] {
    const nodes: Node[] = [];
    for (;;) {
      const token = this.next();
      if (token.type === 'eof') {
        if (stops.length > 0) this.fail(token, 'unexpected EOF');
        return [nodes, undefined, undefined];
      }
      if (token.type === 'text') {
        nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const word = this.peekNonSpace();
      if (word.type === 'word' && (word.text === 'end' || word.text === 'else')) {
        if (!stops.includes(word.text)) this.fail(word, `unexpected {{${word.text}}}`);
        this.next();
        return [nodes, word.text, word];
      }
      const node = this.action(word);
      if (node) nodes.push(node);
    }
  }

  private closeAction(): void {
    const token = this.nextNonSpace();
    if (token.type !== 'close') this.fail(token, `unexpected ${describe(token)} in end`);
  }

  private action(word: Token): Node | undefined {
    if (word.type === 'word') {
      switch (word.text) {
        case 'if':
        case 'with':
        case 'range':
          this.next();
          return this.control(word.text, word);
        case 'break':
        case 'continue':
          this.next();
          this.closeAction();
          return { kind: word.text, pos: word.pos };
        case 'define':
          this.next();
          this.define(word);
          return undefined;
        case 'template':
        case 'block':
          this.next();
          return this.templateCall(word);
      }
    }
    const pipe = this.pipeline('command', word.pos);
    return { kind: 'action', pos: word.pos, pipe };
  }

  private control(kind: 'if' | 'with' | 'range', word: Token): Node {
    this.vars.push([]);
    const pipe = this.pipeline(kind, word.pos);
    const [list, end] = this.list(['end', 'else']);
    let elseList: Node[] | undefined;
    if (end === 'else') {
      const next = this.peekNonSpace();
      if ((kind === 'if' && next.text === 'if') || (kind === 'with' && next.text === 'with')) {
        // `{{else if ...}}` is an if inside the else list, ended by the same {{end}}.
        this.next();
        elseList = [this.control(kind, next)];
      } else {
        this.closeAction();
        elseList = this.list(['end'])[0];
        this.closeAction();
      }
    } else this.closeAction();
    this.vars.pop();
    return { kind, pos: word.pos, pipe, list, elseList };
  }

  private define(word: Token): void {
    const name = this.nextNonSpace();
    if (name.type !== 'string') this.fail(name, 'name of define clause must be a string');
    this.closeAction();
    const saved = this.vars;
    this.vars = [['$']];
    this.defines.set(unquote(name.text), this.list(['end'])[0]);
    this.vars = saved;
    this.closeAction();
    void word;
  }

  private templateCall(word: Token): Node {
    const name = this.nextNonSpace();
    if (name.type !== 'string') this.fail(name, `unexpected ${describe(name)} in template clause`);
    const pipe = this.peekNonSpace().type === 'close' ? (this.next(), undefined) : this.pipeline('template', word.pos);
    if (word.text === 'block') {
      const saved = this.vars;
      this.vars = [['$']];
      this.defines.set(unquote(name.text), this.list(['end'])[0]);
      this.vars = saved;
      this.closeAction();
    }
    return { kind: 'template', pos: word.pos, name: unquote(name.text), pipe };
  }

  /** A pipeline up to `}}` (or `)` when parenthesised), with an optional declaration. */
  pipeline(context: string, pos: number, end: 'close' | ')' = 'close'): Pipe {
    const pipe: Pipe = { pos, decl: [], isAssign: false, cmds: [] };
    const start = this.i;
    const first = this.peekNonSpace();
    if (first.type === 'variable') {
      this.next();
      const after = this.peekNonSpace();
      if (after.text === ':=' || after.text === '=' || (after.text === ',' && context === 'range')) {
        const names = [first.text];
        if (after.text === ',') {
          this.next();
          const second = this.nextNonSpace();
          if (second.type !== 'variable') this.fail(second, 'range can only initialize variables');
          names.push(second.text);
        }
        const op = this.nextNonSpace();
        if (op.text !== ':=' && op.text !== '=') this.fail(op, `unexpected ${describe(op)} in ${context}`);
        pipe.isAssign = op.text === '=';
        for (const name of names) {
          if (pipe.isAssign) this.useVar(first, name);
          else this.vars[this.vars.length - 1]!.push(name);
        }
        pipe.decl = names;
      } else this.i = start;
    }
    for (;;) {
      const token = this.peekNonSpace();
      if ((end === 'close' && token.type === 'close') || (end === ')' && token.text === ')')) {
        this.next();
        if (pipe.cmds.length === 0) this.fail(token, `missing value for ${context}`);
        return pipe;
      }
      if (token.type === 'eof') this.fail(token, 'unclosed action');
      pipe.cmds.push(this.command(end));
    }
  }

  private command(end: 'close' | ')'): Command {
    const cmd: Command = { pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const token = this.peek();
      if (token.type === 'close' || token.text === ')' || token.text === '|') {
        if (cmd.args.length === 0) this.fail(token, 'empty command');
        if (token.text === '|') this.next();
        else if (token.text === ')' && end !== ')') this.fail(token, `unexpected right paren`);
        return cmd;
      }
      const operand = this.operand();
      if (operand === undefined) this.fail(token, `unexpected ${describe(token)} in operand`);
      cmd.args.push(operand);
      const after = this.peek();
      if (after.type !== 'space' && after.type !== 'close' && after.text !== ')' && after.text !== '|') this.fail(after, `unexpected ${describe(after)} in operand`);
    }
  }

  private operand(): Arg | undefined {
    const node = this.term();
    if (node === undefined || this.peek().type !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().text.slice(1));
    if (node.kind === 'field') return { kind: 'field', pos, idents: [...node.idents, ...fields] };
    if (node.kind === 'variable') return { kind: 'variable', pos, idents: [...node.idents, ...fields] };
    if (node.kind === 'bool' || node.kind === 'string' || node.kind === 'number' || node.kind === 'nil' || node.kind === 'dot') {
      this.fail(this.peek(), `unexpected . after term "${argText(node)}"`);
    }
    return { kind: 'chain', pos, node, fields };
  }

  private term(): Arg | undefined {
    const token = this.peek();
    switch (token.type) {
      case 'word':
        this.next();
        if (token.text === 'true' || token.text === 'false') return { kind: 'bool', pos: token.pos, value: token.text === 'true' };
        if (token.text === 'nil') return { kind: 'nil', pos: token.pos };
        if (KEYWORDS.has(token.text)) this.fail(token, `unexpected <${token.text}> in command`);
        if (!FUNCTIONS.has(token.text)) this.fail(token, `function "${token.text}" not defined`);
        return { kind: 'identifier', pos: token.pos, name: token.text };
      case 'field':
        this.next();
        return { kind: 'field', pos: token.pos, idents: [token.text.slice(1)] };
      case 'variable':
        this.next();
        this.useVar(token, token.text);
        return { kind: 'variable', pos: token.pos, idents: [token.text] };
      case 'string':
        this.next();
        return { kind: 'string', pos: token.pos, text: token.text, value: unquote(token.text) };
      case 'char':
        this.next();
        return { kind: 'number', pos: token.pos, text: token.text };
      case 'number':
        this.next();
        return { kind: 'number', pos: token.pos, text: token.text };
      case 'punct':
        if (token.text === '.') {
          this.next();
          return { kind: 'dot', pos: token.pos };
        }
        if (token.text === '(') {
          this.next();
          return { kind: 'pipe', pos: token.pos, pipe: this.pipeline('parenthesized pipeline', token.pos, ')') };
        }
        return undefined;
      default:
        return undefined;
    }
  }

  private useVar(token: Token, name: string): void {
    if (!this.vars.some((scope) => scope.includes(name))) this.fail(token, `undefined variable "${name}"`);
  }
}

function describe(token: Token): string {
  if (token.type === 'close') return '"}}"';
  if (token.type === 'eof') return 'EOF';
  return JSON.stringify(token.text);
}

export function parseTemplate(source: string): Parsed {
  const parser = new Parser(lex(source), source);
  const [root] = parser.list([]);
  return { root, defines: parser.defines, source };
}
