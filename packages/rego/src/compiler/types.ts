/**
 * Compile-time type errors for what is known before evaluation (a first part of OPA's type
 * checker, v1/ast/check.go): a built-in called with a constant argument of the wrong type, and a
 * ref that reads into a value known to be a scalar (a local `x := 1`, a rule `p := 10`). OPA
 * reports both as rego_type_error when the policy is compiled, even in rules never evaluated.
 *
 * The built-in signatures below are OPA's (capabilities file), for the built-ins policies call
 * most; a built-in not listed is not checked. Only scalar constants are judged: their type is
 * exact, so there is no false alarm.
 */
import type { Body, Term } from '../ast.ts';
import { RegoError } from '../errors.ts';
import type { Location } from '../errors.ts';
import { typeName } from '../value.ts';
import type { TypeName } from '../value.ts';
import type { RuleNode } from './rule-tree.ts';
import { walkBody, walkTerm } from './walk.ts';

type ArgType = readonly TypeName[] | 'any';
const S = ['string'] as const;
const N = ['number'] as const;
const COLLECTION = ['array', 'set'] as const;

const SIGNATURES: Readonly<Record<string, readonly ArgType[]>> = {
  count: [['array', 'object', 'set', 'string']],
  sum: [COLLECTION],
  product: [COLLECTION],
  max: [COLLECTION],
  min: [COLLECTION],
  sort: [COLLECTION],
  abs: [N],
  ceil: [N],
  floor: [N],
  round: [N],
  concat: [S, COLLECTION],
  contains: [S, S],
  endswith: [S, S],
  startswith: [S, S],
  indexof: [S, S],
  lower: [S],
  upper: [S],
  split: [S, S],
  replace: [S, S, S],
  sprintf: [S, ['array']],
  substring: [S, N, N],
  trim: [S, S],
  trim_left: [S, S],
  trim_right: [S, S],
  trim_prefix: [S, S],
  trim_suffix: [S, S],
  trim_space: [S],
  'strings.reverse': [S],
  'regex.match': [S, S],
  'glob.match': [S, 'any', S],
  'json.unmarshal': [S],
  'yaml.unmarshal': [S],
  'base64.decode': [S],
  'base64.encode': [S],
  'base64url.decode': [S],
  'base64url.encode': [S],
  'urlquery.encode': [S],
  'urlquery.decode': [S],
  'object.keys': [['object']],
  'object.get': [['object'], 'any', 'any'],
  'object.remove': [['object'], ['array', 'object', 'set']],
  'object.union': [['object'], ['object']],
  'array.concat': [['array'], ['array']],
  'array.slice': [['array'], N, N],
  'array.reverse': [['array']],
  'time.parse_rfc3339_ns': [S],
  'time.parse_duration_ns': [S],
  'net.cidr_contains': [S, S],
  'units.parse_bytes': [S],
  'units.parse': [S],
  'semver.compare': [S, S],
  'crypto.sha256': [S],
  'io.jwt.decode': [S],
};

/** OPA's rendering of a declared argument type (`any<array[any], set[any]>`). */
function typeText(type: ArgType): string {
  if (type === 'any') return 'any';
  const one = (name: TypeName): string => (name === 'array' || name === 'set' ? `${name}[any]` : name === 'object' ? 'object[any: any]' : name);
  return type.length === 1 ? one(type[0]!) : `any<${type.map(one).join(', ')}>`;
}

/**
 * `count(1)`: rego_type_error `count: invalid argument(s)` with OPA's have/want lines. Arguments
 * that are not scalar constants are `any` here, as they may be anything until evaluated.
 */
export function checkBuiltinArgs(name: string, args: Term[], loc: Location): void {
  const signature = SIGNATURES[name];
  if (signature === undefined || args.length < signature.length) return;
  const inputs = args.slice(0, signature.length);
  const wrong = inputs.some((arg, i) => arg.type === 'scalar' && signature[i] !== 'any' && !(signature[i] as readonly TypeName[]).includes(typeName(arg.value)));
  if (!wrong) return;
  const have = inputs.map((arg) => (arg.type === 'scalar' ? typeName(arg.value) : 'any')).join(', ');
  const want = signature.map(typeText).join(', ');
  throw new RegoError('rego_type_error', `${name}: invalid argument(s)\n\thave: (${have})\n\twant: (${want})`, [loc]);
}

/** `x := 1; x.foo`: a ref into a local variable assigned a scalar constant. */
export function checkLocalScalarRefs(body: Body): void {
  const scalars = new Map<number, string>();
  walkBody(body, {
    expr: (expr) => {
      if (expr.kind === 'unify' && expr.assign && expr.lhs.type === 'var' && expr.lhs.slot !== undefined && expr.rhs.type === 'scalar') scalars.set(expr.lhs.slot, expr.lhs.name);
    },
  });
  if (scalars.size === 0) return;
  walkBody(body, {
    term: (term) => {
      if (term.type !== 'ref' || term.head.type !== 'var' || term.head.slot === undefined || term.path.length === 0) return;
      const name = scalars.get(term.head.slot);
      if (name !== undefined) throw new RegoError('rego_type_error', `undefined ref: ${refText(name, term.path)}`, [term.loc]);
    },
  });
}

/** `p := 10` and elsewhere `p.max`: a ref below a rule whose every value is a scalar constant. */
export function checkRuleScalarRefs(root: RuleNode): void {
  const scalarRule = (node: RuleNode | undefined): boolean => {
    if (!node || !node.hasRules || node.isFunction || node.children.size > 0) return false;
    return [...node.rules, ...node.defaults].every((rule) => {
      for (let branch: typeof rule | undefined = rule; branch; branch = branch.else) {
        if (branch.kind !== 'value' || branch.rest.length > 0 || branch.value.type !== 'scalar') return false;
      }
      return true;
    });
  };
  const visit = (term: Term): void => {
    if (term.type !== 'ref' || term.head.type !== 'var' || term.head.slot !== -1 || term.head.name !== 'data') return;
    const keys: string[] = [];
    for (const part of term.path) {
      if (part.type !== 'scalar' || typeof part.value !== 'string') return;
      keys.push(part.value);
      if (keys.length < term.path.length && scalarRule(root.find(keys))) {
        throw new RegoError('rego_type_error', `undefined ref: ${refText('data', term.path)}`, [term.loc]);
      }
    }
  };
  for (const node of root.walk()) {
    for (const rule of [...node.rules, ...node.defaults]) {
      for (let branch: typeof rule | undefined = rule; branch; branch = branch.else) {
        walkBody(branch.body, { term: visit });
        walkTerm(branch.value, { term: visit });
      }
    }
  }
}

function refText(head: string, path: Term[]): string {
  let text = head;
  for (const part of path) {
    if (part.type === 'scalar' && typeof part.value === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(part.value)) text += `.${part.value}`;
    else if (part.type === 'scalar') text += `[${JSON.stringify(part.value)}]`;
    else if (part.type === 'var') text += `[${part.name}]`;
    else text += '[...]';
  }
  return text;
}
