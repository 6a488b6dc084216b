import type { Value } from '../value.ts';
import { RObject, RSet } from '../value.ts';
import { objectArg } from './args.ts';
import type { Builtin } from './types.ts';
import { operandError } from './types.ts';

/**
 * graph.reachable and graph.reachable_paths over an adjacency object (node -> array or set of
 * neighbours). Nodes missing from the graph are never reached; edges that are neither an array
 * nor a set count as none.
 */

function neighbours(graph: RObject, node: Value): Value[] | undefined {
  const edges = graph.get(node);
  if (edges === undefined) return undefined;
  if (Array.isArray(edges)) return edges;
  return edges instanceof RSet ? [...edges] : [];
}

function initialArg(name: string, args: Value[]): Value[] {
  const initial = args[1]!;
  if (Array.isArray(initial)) return initial;
  if (initial instanceof RSet) return [...initial];
  throw operandError(name, 2, 'one of {array, set}', initial);
}

function reachable(args: Value[]): Value {
  const graph = objectArg('graph.reachable', args, 1);
  const reached = new RSet();
  const queue = initialArg('graph.reachable', args);
  while (queue.length > 0) {
    const node = queue.pop()!;
    if (reached.has(node)) continue;
    const edges = neighbours(graph, node);
    if (edges === undefined) continue;
    reached.add(node);
    queue.push(...edges);
  }
  return reached;
}

/**
 * Every maximal path from each initial node: a path ends at a node without edges, at a
 * neighbour missing from the graph, or where it would revisit a node already on it.
 */
function reachablePaths(args: Value[]): Value {
  const graph = objectArg('graph.reachable_paths', args, 1);
  const paths = new RSet();
  const extend = (path: Value[], onPath: RSet): void => {
    const edges = neighbours(graph, path[path.length - 1]!) ?? [];
    let extended = false;
    for (const next of edges) {
      if (onPath.has(next) || neighbours(graph, next) === undefined) continue;
      extended = true;
      onPath.add(next);
      extend([...path, next], onPath);
      onPath.delete(next);
    }
    if (!extended) paths.add(path);
  };
  for (const start of initialArg('graph.reachable_paths', args)) {
    if (neighbours(graph, start) !== undefined) extend([start], RSet.of([start]));
  }
  return paths;
}

export const graphBuiltins: readonly Builtin[] = [
  { name: 'graph.reachable', arity: 2, impl: reachable },
  { name: 'graph.reachable_paths', arity: 2, impl: reachablePaths },
];
