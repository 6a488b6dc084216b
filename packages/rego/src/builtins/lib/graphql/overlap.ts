import type { Argument, Field, FragmentSpread, GqlType, Selection } from './ast.ts';
import { isField, isInlineFragment } from './ast.ts';
import type { Position } from './lexer.ts';
import { typeString } from './schema.ts';
import type { Events, Walker } from './walk.ts';

/**
 * OverlappingFieldsCanBeMerged as gqlparser implements graphql-js's algorithm: fields sharing a
 * response name must be the same field with the same arguments (unless their parents are distinct
 * object types), must not return conflicting types, and their sub-selections must merge too.
 */

interface Conflict {
  readonly responseName: string;
  readonly message?: string;
  readonly sub?: readonly Conflict[];
  readonly position: Position | undefined;
}

/** Fields by response name in first-seen order, through inline fragments, plus the spreads. */
function collect(selections: readonly Selection[] | undefined): [Map<string, Field[]>, FragmentSpread[]] {
  const fields = new Map<string, Field[]>();
  const spreads: FragmentSpread[] = [];
  const walk = (set: readonly Selection[] | undefined) => {
    for (const selection of set ?? []) {
      if (isField(selection)) {
        const name = selection.Alias !== '' ? selection.Alias : selection.Name;
        fields.set(name, [...(fields.get(name) ?? []), selection]);
      } else if (isInlineFragment(selection)) walk(selection.SelectionSet);
      else spreads.push(selection);
    }
  };
  walk(selections);
  return [fields, spreads];
}

function sameFields(a: Map<string, Field[]>, b: Map<string, Field[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, fields] of a) {
    const other = b.get(name);
    if (!other || other.length !== fields.length || fields.some((field, i) => field !== other[i])) return false;
  }
  return true;
}

function sameArguments(a: readonly Argument[] | undefined, b: readonly Argument[] | undefined): boolean {
  const left = a ?? [];
  const right = b ?? [];
  if (left.length !== right.length) return false;
  return left.every((x) => right.some((y) => x.Name === y.Name && x.Value.Kind === y.Value.Kind && x.Value.Raw === y.Value.Raw));
}

function conflictText(conflict: Conflict): string {
  if (!conflict.sub || conflict.sub.length === 0) return conflict.message!;
  return conflict.sub.map((sub) => `subfields "${sub.responseName}" conflict because ${conflictText(sub)}`).join(' and ');
}

class OverlapChecker {
  private readonly comparedPairs = new Map<string, Map<string, boolean>>();
  private comparedFragments = new Set<string>();

  constructor(private readonly walker: Walker) {}

  within(selections: readonly Selection[] | undefined): Conflict[] {
    if (!selections || selections.length === 0) return [];
    const [fields, spreads] = collect(selections);
    const conflicts: Conflict[] = [];
    for (const group of fields.values()) {
      group.forEach((a, i) => {
        for (const b of group.slice(i + 1)) this.push(conflicts, this.find(false, a, b));
      });
    }
    this.comparedFragments = new Set();
    spreads.forEach((a, i) => {
      this.betweenFieldsAndFragment(conflicts, false, fields, a);
      for (const b of spreads.slice(i + 1)) this.betweenFragments(conflicts, false, a, b);
    });
    return conflicts;
  }

  private push(conflicts: Conflict[], conflict: Conflict | undefined): void {
    if (conflict) conflicts.push(conflict);
  }

  private between(conflicts: Conflict[], exclusive: boolean, a: Map<string, Field[]>, b: Map<string, Field[]>): void {
    for (const [name, fieldsA] of a) {
      const fieldsB = b.get(name);
      if (!fieldsB) continue;
      for (const fieldA of fieldsA) for (const fieldB of fieldsB) this.push(conflicts, this.find(exclusive, fieldA, fieldB));
    }
  }

  private betweenFieldsAndFragment(conflicts: Conflict[], exclusive: boolean, fields: Map<string, Field[]>, spread: FragmentSpread): void {
    if (this.comparedFragments.has(spread.Name)) return;
    this.comparedFragments.add(spread.Name);
    const fragment = this.walker.fragment(spread.Name);
    if (!fragment) return;
    const [fragmentFields, nested] = collect(fragment.SelectionSet);
    if (sameFields(fields, fragmentFields)) return;
    this.between(conflicts, exclusive, fields, fragmentFields);
    for (const inner of nested) {
      if (inner.Name !== spread.Name) this.betweenFieldsAndFragment(conflicts, exclusive, fields, inner);
    }
  }

  private betweenFragments(conflicts: Conflict[], exclusive: boolean, first: FragmentSpread, second: FragmentSpread): void {
    const check = (a: FragmentSpread, b: FragmentSpread) => {
      if (a.Name === b.Name || this.hasPair(a.Name, b.Name, exclusive)) return;
      this.addPair(a.Name, b.Name, exclusive);
      const fragmentA = this.walker.fragment(a.Name);
      const fragmentB = this.walker.fragment(b.Name);
      if (!fragmentA || !fragmentB) return;
      const [fieldsA, spreadsA] = collect(fragmentA.SelectionSet);
      const [fieldsB, spreadsB] = collect(fragmentB.SelectionSet);
      this.between(conflicts, exclusive, fieldsA, fieldsB);
      for (const spread of spreadsB) check(a, spread);
      for (const spread of spreadsA) check(spread, b);
    };
    check(first, second);
  }

  /** A pair compared as not mutually exclusive also covers the exclusive comparison. */
  private hasPair(a: string, b: string, exclusive: boolean): boolean {
    const recorded = this.comparedPairs.get(a)?.get(b);
    if (recorded === undefined) return false;
    return exclusive ? true : !recorded;
  }

  private addPair(a: string, b: string, exclusive: boolean): void {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const map = this.comparedPairs.get(x) ?? new Map<string, boolean>();
      map.set(y, exclusive);
      this.comparedPairs.set(x, map);
    }
  }

  private betweenSubSelections(exclusive: boolean, a: readonly Selection[] | undefined, b: readonly Selection[] | undefined): Conflict[] {
    const conflicts: Conflict[] = [];
    const [fieldsA, spreadsA] = collect(a);
    const [fieldsB, spreadsB] = collect(b);
    this.between(conflicts, exclusive, fieldsA, fieldsB);
    for (const spread of spreadsB) {
      this.comparedFragments = new Set();
      this.betweenFieldsAndFragment(conflicts, exclusive, fieldsA, spread);
    }
    for (const spread of spreadsA) {
      this.comparedFragments = new Set();
      this.betweenFieldsAndFragment(conflicts, exclusive, fieldsB, spread);
    }
    for (const spreadA of spreadsA) for (const spreadB of spreadsB) this.betweenFragments(conflicts, exclusive, spreadA, spreadB);
    return conflicts;
  }

  private typesConflict(a: GqlType, b: GqlType): boolean {
    if (a.Elem || b.Elem) return a.Elem && b.Elem ? this.typesConflict(a.Elem, b.Elem) : true;
    if (a.NonNull !== b.NonNull) return true;
    const typeA = this.walker.schema.types.get(a.NamedType);
    const typeB = this.walker.schema.types.get(b.NamedType);
    const leaf = (kind: string | undefined) => kind === 'SCALAR' || kind === 'ENUM';
    return leaf(typeA?.Kind) && leaf(typeB?.Kind) ? typeA!.Name !== typeB!.Name : false;
  }

  private find(parentsExclusive: boolean, a: Field, b: Field): Conflict | undefined {
    const infoA = this.walker.fields.get(a);
    const infoB = this.walker.fields.get(b);
    if (!infoA?.definition || !infoA.parent || !infoB?.definition || !infoB.parent) return undefined;
    const exclusive =
      parentsExclusive || (infoA.parent.Name !== infoB.parent.Name && infoA.parent.Kind === 'OBJECT' && infoB.parent.Kind === 'OBJECT');
    const responseName = a.Alias !== '' ? a.Alias : a.Name;
    const position = b.Position;
    if (!exclusive) {
      if (a.Name !== b.Name) return { responseName, message: `${a.Name} and ${b.Name} are different fields`, position };
      if (!sameArguments(a.Arguments, b.Arguments)) return { responseName, message: 'they have differing arguments', position };
    }
    const typeA = infoA.definition.Type;
    const typeB = infoB.definition.Type;
    if (this.typesConflict(typeA, typeB)) {
      return { responseName, message: `they return conflicting types ${typeString(typeA)} and ${typeString(typeB)}`, position };
    }
    const sub = this.betweenSubSelections(exclusive, a.SelectionSet, b.SelectionSet);
    return sub.length > 0 ? { responseName, sub, position } : undefined;
  }
}

export function overlappingFieldsCanBeMerged(events: Events, walker: Walker, report: (message: string, position: Position | undefined) => void): void {
  const checker = new OverlapChecker(walker);
  const reportAll = (conflicts: readonly Conflict[]) => {
    for (const conflict of conflicts) {
      report(
        `Fields "${conflict.responseName}" conflict because ${conflictText(conflict)}. Use different aliases on the fields to fetch both if this was intentional.`,
        conflict.position,
      );
    }
  };
  events.operation.push((operation) => reportAll(checker.within(operation.SelectionSet)));
  events.field.push((field) => {
    // As in gqlparser: fields met while walking a fragment definition on its own are skipped, they
    // were checked where an operation spreads the fragment.
    if (walker.currentOperation) reportAll(checker.within(field.SelectionSet));
  });
  events.inlineFragment.push((fragment) => reportAll(checker.within(fragment.SelectionSet)));
  events.fragment.push((fragment) => reportAll(checker.within(fragment.SelectionSet)));
}
