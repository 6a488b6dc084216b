import type { Value } from '../value.ts';
import { RObject, RSet } from '../value.ts';
import { objectArg } from './args.ts';
import type { Builtin } from './types.ts';
import { operandError } from '../errors.ts';

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
  // A copy: the walk pops from it, and the argument is a shared, immutable value.
  if (Array.isArray(initial)) return [...initial];
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
 * Paths from each initial node, as OPA builds them: a path is committed at a node without edges,
 * before a neighbour missing from the graph, and before a neighbour already on the path (cycle).
 */
function reachablePaths(args: Value[]): Value {
  const graph = objectArg('graph.reachable_paths', args, 1);
  const paths = new RSet();
  const extend = (node: Value, path: Value[], onPath: RSet): void => {
    const edges = neighbours(graph, node);
    if (edges === undefined) {
      paths.add(path);
      return;
    }
    const extended = [...path, node];
    if (edges.length === 0) {
      paths.add(extended);
      return;
    }
    const reached = RSet.of(onPath).add(node);
    for (const next of edges) {
      if (reached.has(next)) paths.add(extended);
      else extend(next, extended, reached);
    }
  };
  for (const start of initialArg('graph.reachable_paths', args)) {
    const edges = neighbours(graph, start);
    if (edges === undefined) continue;
    if (edges.length === 0) paths.add([start]);
    for (const next of edges) extend(next, [start], RSet.of([start]));
  }
  return paths;
}

export const graphBuiltins: readonly Builtin[] = [
  { name: 'graph.reachable', arity: 2, impl: reachable },
  { name: 'graph.reachable_paths', arity: 2, impl: reachablePaths },
];
