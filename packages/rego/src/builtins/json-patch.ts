import type { Value } from '../value.ts';
import { RObject, RSet, equals, keyOf, typeName } from '../value.ts';
import { arrayArg, objectArg } from './args.ts';
import type { Builtin } from './types.ts';
import { BuiltinError, operandError } from '../errors.ts';

/**
 * json.patch (RFC 6902 over Rego values, sets included: a set member is addressed by itself),
 * json.filter and json.remove. Paths are `/`-separated strings (leading `/` optional, `~1` and
 * `~0` unescaped) or arrays of segments. Every operation builds new values; inputs are shared.
 */

type Path = readonly Value[];

/** A path from a string or an array of segments; undefined for any other value. */
function parsePath(path: Value): Path | undefined {
  if (typeof path === 'string') {
    if (path === '') return [];
    return path
      .replace(/^\/+/, '')
      .split('/')
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
  return Array.isArray(path) ? path : undefined;
}

/** An array index from a number or a decimal string without leading zeros; `-` is the end. */
function indexOf(array: Value[], segment: Value): number | undefined {
  if (segment === '-') return array.length;
  if (typeof segment === 'number' && Number.isInteger(segment)) return segment;
  if (typeof segment === 'string' && /^(0|[1-9]\d*)$/.test(segment)) return Number(segment);
  return undefined;
}

/**
 * Rebuilds `target` with `edit` applied to the parent of the last path segment; undefined when
 * the path does not exist or the edit fails.
 */
function update(target: Value, path: Path, edit: (parent: Value, key: Value) => Value | undefined): Value | undefined {
  const [key, ...rest] = path;
  if (rest.length === 0) return edit(target, key!);
  if (target instanceof RObject) {
    const child = target.get(key!);
    const updated = child === undefined ? undefined : update(child, rest, edit);
    return updated === undefined ? undefined : RObject.fromEntries(target.entries()).set(key!, updated);
  }
  if (Array.isArray(target)) {
    const i = indexOf(target, key!);
    const updated = i === undefined || i >= target.length ? undefined : update(target[i]!, rest, edit);
    if (updated === undefined) return undefined;
    const copy = target.slice();
    copy[i!] = updated;
    return copy;
  }
  if (target instanceof RSet && target.has(key!)) {
    const updated = update(key!, rest, edit);
    if (updated === undefined) return undefined;
    const copy = RSet.of(target);
    copy.delete(key!);
    return copy.add(updated);
  }
  return undefined;
}

function get(target: Value, path: Path): Value | undefined {
  let current: Value | undefined = target;
  for (const key of path) {
    if (current instanceof RObject) current = current.get(key);
    else if (Array.isArray(current)) {
      const i = indexOf(current, key);
      current = i === undefined ? undefined : current[i];
    } else if (current instanceof RSet) current = current.has(key) ? key : undefined;
    else return undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

function add(target: Value, path: Path, value: Value): Value | undefined {
  if (path.length === 0) return value;
  return update(target, path, (parent, key) => {
    if (parent instanceof RObject) return RObject.fromEntries(parent.entries()).set(key, value);
    if (Array.isArray(parent)) {
      const i = indexOf(parent, key);
      if (i === undefined || i > parent.length) return undefined;
      return [...parent.slice(0, i), value, ...parent.slice(i)];
    }
    // A set member is its own key, so the added value must be the key.
    if (parent instanceof RSet && equals(key, value)) return RSet.of(parent).add(value);
    return undefined;
  });
}

function remove(target: Value, path: Path): Value | undefined {
  if (path.length === 0) return undefined;
  return update(target, path, (parent, key) => {
    if (parent instanceof RObject) {
      if (!parent.has(key)) return undefined;
      const copy = RObject.fromEntries(parent.entries());
      copy.delete(key);
      return copy;
    }
    if (Array.isArray(parent)) {
      const i = indexOf(parent, key);
      if (i === undefined || i >= parent.length) return undefined;
      return [...parent.slice(0, i), ...parent.slice(i + 1)];
    }
    if (parent instanceof RSet && parent.has(key)) {
      const copy = RSet.of(parent);
      copy.delete(key);
      return copy;
    }
    return undefined;
  });
}

/**
 * One operation; undefined when it fails or is malformed. OPA makes json.patch undefined (not an
 * error, even in strict mode) for every failure: a missing attribute, an unknown op, a bad path.
 */
function applyOperation(target: Value, operation: Value): Value | undefined {
  if (!(operation instanceof RObject)) return undefined;
  const op = operation.get('op');
  const path = parsePath(operation.get('path') ?? null);
  const value = operation.get('value');
  const from = parsePath(operation.get('from') ?? null);
  if (path === undefined) return undefined;
  switch (op) {
    case 'add':
      return value === undefined ? undefined : add(target, path, value);
    case 'remove':
      return remove(target, path);
    case 'replace': {
      if (value === undefined) return undefined;
      if (path.length === 0) return value;
      const removed = remove(target, path);
      return removed === undefined ? undefined : add(removed, path, value);
    }
    case 'move': {
      const moved = from === undefined ? undefined : get(target, from);
      const removed = moved === undefined ? undefined : remove(target, from!);
      return removed === undefined ? undefined : add(removed, path, moved!);
    }
    case 'copy': {
      const copied = from === undefined ? undefined : get(target, from);
      return copied === undefined ? undefined : add(target, path, copied);
    }
    case 'test': {
      const actual = get(target, path);
      return actual !== undefined && value !== undefined && equals(actual, value) ? target : undefined;
    }
    default:
      return undefined;
  }
}

function patch(args: Value[]): Value | undefined {
  let target: Value | undefined = args[0]!;
  for (const operation of arrayArg('json.patch', args, 2)) {
    target = applyOperation(target, operation);
    if (target === undefined) return undefined;
  }
  return target;
}

/**
 * A tree of paths. Each node keeps the segment as written (to look it up in objects and sets);
 * `children: null` marks a selected node, everything below it included.
 */
type PathTree = Map<string, { readonly segment: Value; children: PathTree | null }>;

function pathTree(name: string, paths: Value): PathTree {
  let list: Iterable<Value>;
  if (Array.isArray(paths) || paths instanceof RSet) list = paths;
  else throw operandError(name, 2, 'one of {set, array}', paths);
  const root: PathTree = new Map();
  for (const raw of list) {
    const path = parsePath(raw);
    if (path === undefined) {
      throw new BuiltinError(
        'eval_type_error',
        `${name}: operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(raw)}`,
      );
    }
    let tree: PathTree | null = root;
    for (let i = 0; i < path.length && tree !== null; i++) {
      const segment = path[i]!;
      const key = segmentKey(segment);
      let node = tree.get(key);
      if (node === undefined) {
        node = { segment, children: new Map() };
        tree.set(key, node);
      }
      // A shorter path selects the whole subtree, whichever order the paths come in.
      if (i === path.length - 1) node.children = null;
      tree = node.children;
    }
  }
  return root;
}

/** Array indexes match both numbers and decimal strings, so both spell one tree key. */
function segmentKey(segment: Value): string {
  return typeof segment === 'number' && Number.isInteger(segment) && segment >= 0 ? keyOf(String(segment)) : keyOf(segment);
}

/** The array positions a tree names, in ascending order, each with its subtree. */
function arrayEntries(array: Value[], tree: PathTree): [number, PathTree | null][] {
  const entries: [number, PathTree | null][] = [];
  for (const { segment, children } of tree.values()) {
    const index = typeof segment === 'string' && /^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment;
    if (typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < array.length) entries.push([index, children]);
  }
  return entries.sort((a, b) => a[0] - b[0]);
}

/** Walks the tree (the few paths given), not the whole document: this runs per request. */
function filterValue(value: Value, tree: PathTree | null): Value {
  if (tree === null) return value;
  if (value instanceof RObject) {
    const result = new RObject();
    for (const { segment, children } of tree.values()) {
      const child = value.get(segment);
      if (child !== undefined) result.set(segment, filterValue(child, children));
    }
    return result;
  }
  if (Array.isArray(value)) return arrayEntries(value, tree).map(([index, children]) => filterValue(value[index]!, children));
  if (value instanceof RSet) {
    const result = new RSet();
    for (const { segment, children } of tree.values()) if (value.has(segment)) result.add(filterValue(segment, children));
    return result;
  }
  return value;
}

/** The value without the selected nodes; undefined when the value itself is selected. */
function removeValue(value: Value, tree: PathTree | null): Value | undefined {
  if (tree === null) return undefined;
  if (value instanceof RObject) {
    let result: RObject | undefined;
    for (const { segment, children } of tree.values()) {
      const child = value.get(segment);
      if (child === undefined) continue;
      const kept = removeValue(child, children);
      result ??= RObject.fromEntries(value.entries());
      if (kept === undefined) result.delete(segment);
      else result.set(segment, kept);
    }
    return result ?? value;
  }
  if (Array.isArray(value)) {
    const entries = arrayEntries(value, tree);
    if (entries.length === 0) return value;
    const changed = new Map(entries.map(([index, children]) => [index, removeValue(value[index]!, children)]));
    return value.flatMap((child, index) => {
      if (!changed.has(index)) return [child];
      const kept = changed.get(index);
      return kept === undefined ? [] : [kept];
    });
  }
  if (value instanceof RSet) {
    let result: RSet | undefined;
    for (const { segment, children } of tree.values()) {
      if (!value.has(segment)) continue;
      const kept = removeValue(segment, children);
      result ??= RSet.of(value);
      result.delete(segment);
      if (kept !== undefined) result.add(kept);
    }
    return result ?? value;
  }
  return value;
}

export const jsonPatchBuiltins: readonly Builtin[] = [
  { name: 'json.patch', arity: 2, impl: patch },
  {
    name: 'json.filter',
    arity: 2,
    impl: (args) => {
      const object = objectArg('json.filter', args, 1);
      return filterValue(object, pathTree('json.filter', args[1]!));
    },
  },
  {
    name: 'json.remove',
    arity: 2,
    impl: (args) => {
      const object = objectArg('json.remove', args, 1);
      return removeValue(object, pathTree('json.remove', args[1]!)) ?? new RObject();
    },
  },
];
