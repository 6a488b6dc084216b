/**
 * Declared types of the built-ins policies call most, as OPA declares them (v1/ast/builtins.go:
 * argument names, argument types, result name and type). The type checker checks calls of these
 * against their arguments' static types and gives the result its type. A built-in not listed here
 * takes anything and returns `any`: it is never the cause of a type error, so the table can only
 * make the checker stricter where OPA is, never stricter than OPA.
 */
import { ANY, anyOf, arrayOf, BOOL, NULL, NUM, object, objectOf, setOf, STR } from './type-system.ts';
import type { Type } from './type-system.ts';

interface BuiltinType {
  args: [string, Type][];
  result: [string, Type];
}

const SET_ANY = setOf(ANY);
const ARR_ANY = arrayOf(ANY);
const OBJ_ANY = objectOf(ANY, ANY);
const STRINGS = anyOf(arrayOf(STR), setOf(STR));
const NUMBERS = anyOf(arrayOf(NUM), setOf(NUM));
const COLLECTION = anyOf(ARR_ANY, SET_ANY);
const PATHS = anyOf(arrayOf(anyOf(STR, ARR_ANY)), setOf(anyOf(STR, ARR_ANY)));

/** `(name: type, ...) => name: type`, written compactly. */
function fn(args: [string, Type][], result: [string, Type]): BuiltinType {
  return { args, result };
}

const s1 = (a: string, result: [string, Type]): BuiltinType => fn([[a, STR]], result);
const s2 = (a: string, b: string, result: [string, Type]): BuiltinType => fn([[a, STR], [b, STR]], result);
const n1 = (): BuiltinType => fn([['x', NUM]], ['y', NUM]);
const n2 = (): BuiltinType => fn([['x', NUM], ['y', NUM]], ['z', NUM]);
const compareOp = (): BuiltinType => fn([['x', ANY], ['y', ANY]], ['result', BOOL]);

export const BUILTIN_TYPES: ReadonlyMap<string, BuiltinType> = new Map<string, BuiltinType>([
  ['equal', compareOp()],
  ['neq', compareOp()],
  ['gt', compareOp()],
  ['gte', compareOp()],
  ['lt', compareOp()],
  ['lte', compareOp()],
  ['plus', n2()],
  ['mul', n2()],
  ['div', fn([['x', NUM], ['y', NUM]], ['z', NUM])],
  ['rem', n2()],
  ['minus', fn([['x', anyOf(NUM, SET_ANY)], ['y', anyOf(NUM, SET_ANY)]], ['z', anyOf(NUM, SET_ANY)])],
  ['and', fn([['x', SET_ANY], ['y', SET_ANY]], ['z', SET_ANY])],
  ['or', fn([['x', SET_ANY], ['y', SET_ANY]], ['z', SET_ANY])],
  ['intersection', fn([['xs', setOf(SET_ANY)]], ['y', SET_ANY])],
  ['union', fn([['xs', setOf(SET_ANY)]], ['y', SET_ANY])],
  ['round', n1()],
  ['ceil', n1()],
  ['floor', n1()],
  ['abs', n1()],
  ['bits.or', n2()],
  ['bits.and', n2()],
  ['bits.xor', n2()],
  ['bits.negate', fn([['x', NUM]], ['z', NUM])],
  ['bits.lsh', fn([['x', NUM], ['s', NUM]], ['z', NUM])],
  ['bits.rsh', fn([['x', NUM], ['s', NUM]], ['z', NUM])],
  ['count', fn([['collection', anyOf(SET_ANY, ARR_ANY, OBJ_ANY, STR)]], ['n', NUM])],
  ['sum', fn([['collection', NUMBERS]], ['n', NUM])],
  ['product', fn([['collection', NUMBERS]], ['n', NUM])],
  ['max', fn([['collection', COLLECTION]], ['n', ANY])],
  ['min', fn([['collection', COLLECTION]], ['n', ANY])],
  ['sort', fn([['collection', COLLECTION]], ['n', ARR_ANY])],
  ['array.concat', fn([['x', ARR_ANY], ['y', ARR_ANY]], ['z', ARR_ANY])],
  ['array.slice', fn([['arr', ARR_ANY], ['start', NUM], ['stop', NUM]], ['slice', ARR_ANY])],
  ['array.reverse', fn([['arr', ARR_ANY]], ['rev', ARR_ANY])],
  ['to_number', fn([['x', anyOf(NUM, STR, BOOL, NULL)]], ['num', NUM])],
  ['regex.match', s2('pattern', 'value', ['result', BOOL])],
  ['regex.is_valid', s1('pattern', ['result', BOOL])],
  ['regex.split', s2('pattern', 'value', ['output', arrayOf(STR)])],
  ['regex.find_n', fn([['pattern', STR], ['value', STR], ['number', NUM]], ['output', arrayOf(STR)])],
  ['regex.replace', fn([['s', STR], ['pattern', STR], ['value', STR]], ['output', STR])],
  ['regex.globs_match', s2('glob1', 'glob2', ['result', BOOL])],
  ['strings.any_prefix_match', fn([['search', anyOf(STR, setOf(STR), arrayOf(STR))], ['base', anyOf(STR, setOf(STR), arrayOf(STR))]], ['result', BOOL])],
  ['strings.any_suffix_match', fn([['search', anyOf(STR, setOf(STR), arrayOf(STR))], ['base', anyOf(STR, setOf(STR), arrayOf(STR))]], ['result', BOOL])],
  ['concat', fn([['delimiter', STR], ['collection', STRINGS]], ['output', STR])],
  ['format_int', fn([['number', NUM], ['base', NUM]], ['output', STR])],
  ['indexof', s2('haystack', 'needle', ['output', NUM])],
  ['indexof_n', s2('haystack', 'needle', ['output', arrayOf(NUM)])],
  ['substring', fn([['value', STR], ['offset', NUM], ['length', NUM]], ['output', STR])],
  ['contains', s2('haystack', 'needle', ['result', BOOL])],
  ['strings.count', s2('search', 'substring', ['output', NUM])],
  ['startswith', s2('search', 'base', ['result', BOOL])],
  ['endswith', s2('search', 'base', ['result', BOOL])],
  ['lower', s1('x', ['y', STR])],
  ['upper', s1('x', ['y', STR])],
  ['split', s2('x', 'delimiter', ['ys', arrayOf(STR)])],
  ['replace', fn([['x', STR], ['old', STR], ['new', STR]], ['y', STR])],
  ['strings.replace_n', fn([['patterns', objectOf(STR, STR)], ['value', STR]], ['output', STR])],
  ['trim', s2('value', 'cutset', ['output', STR])],
  ['trim_left', s2('value', 'cutset', ['output', STR])],
  ['trim_right', s2('value', 'cutset', ['output', STR])],
  ['trim_prefix', s2('value', 'prefix', ['output', STR])],
  ['trim_suffix', s2('value', 'suffix', ['output', STR])],
  ['trim_space', s1('value', ['output', STR])],
  ['sprintf', fn([['format', STR], ['values', ARR_ANY]], ['output', STR])],
  ['strings.reverse', s1('x', ['y', STR])],
  ['strings.render_template', fn([['value', STR], ['vars', objectOf(STR, ANY)]], ['result', STR])],
  ['numbers.range', fn([['a', NUM], ['b', NUM]], ['range', arrayOf(NUM)])],
  ['numbers.range_step', fn([['a', NUM], ['b', NUM], ['step', NUM]], ['range', arrayOf(NUM)])],
  ['units.parse', s1('x', ['y', NUM])],
  ['units.parse_bytes', s1('x', ['y', NUM])],
  ['uuid.parse', s1('uuid', ['result', objectOf(STR, ANY)])],
  ['json.filter', fn([['object', OBJ_ANY], ['paths', PATHS]], ['filtered', ANY])],
  ['json.remove', fn([['object', OBJ_ANY], ['paths', PATHS]], ['output', ANY])],
  ['json.patch', fn([['object', ANY], ['patches', arrayOf(object([['op', STR], ['path', ANY]], [ANY, ANY]))]], ['output', ANY])],
  ['object.union', fn([['a', OBJ_ANY], ['b', OBJ_ANY]], ['output', ANY])],
  ['object.union_n', fn([['objects', arrayOf(OBJ_ANY)]], ['output', ANY])],
  ['object.remove', fn([['object', OBJ_ANY], ['keys', anyOf(ARR_ANY, SET_ANY, OBJ_ANY)]], ['output', ANY])],
  ['object.filter', fn([['object', OBJ_ANY], ['keys', anyOf(ARR_ANY, SET_ANY, OBJ_ANY)]], ['filtered', ANY])],
  ['object.get', fn([['object', OBJ_ANY], ['key', ANY], ['default', ANY]], ['value', ANY])],
]);
