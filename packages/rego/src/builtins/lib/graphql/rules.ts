import type { Argument, Definition, FragmentSpread, QueryDocument, Selection } from './ast.ts';
import { ValueKind, isField, isInlineFragment, valueText } from './ast.ts';
import type { Position } from './lexer.ts';
import { overlappingFieldsCanBeMerged } from './overlap.ts';
import { GraphqlError } from './lexer.ts';
import type { Schema } from './schema.ts';
import { isCompatible, isInputType, typeName, typeString } from './schema.ts';
import { quotedOrList, suggestQuoted, suggestionList } from './suggest.ts';
import { valuesOfCorrectType } from './value-rules.ts';
import type { Events } from './walk.ts';
import { Walker, newEvents } from './walk.ts';

/**
 * gqlparser's query validation rules with its messages. Rules register in gqlparser's order
 * (alphabetical by rule name), so when one node breaks several rules the errors come out in the
 * same order as OPA reports them.
 */

export type Report = (message: string, position: Position | undefined) => void;
export type Rule = (events: Events, walker: Walker, report: Report) => void;

const isLeaf = (definition: Definition) => definition.Kind === 'ENUM' || definition.Kind === 'SCALAR';
const isComposite = (definition: Definition) => ['OBJECT', 'INTERFACE', 'UNION'].includes(definition.Kind);

function possibleTypes(schema: Schema, definition: Definition): Definition[] {
  if (definition.Kind === 'UNION') {
    return (definition.Types ?? []).map((name) => schema.types.get(name)).filter((d): d is Definition => d !== undefined);
  }
  return schema.possibleTypes.get(definition.Name) ?? [];
}

const fieldsOnCorrectType: Rule = (events, walker, report) => {
  events.field.push((field) => {
    const { definition, parent } = walker.fields.get(field)!;
    if (!parent || definition) return;
    let message = `Cannot query field "${field.Name}" on type "${parent.Name}".`;
    const types = suggestedTypeNames(walker.schema, parent, field.Name);
    const fields = parent.Kind === 'OBJECT' || parent.Kind === 'INTERFACE' ? suggestionList(field.Name, (parent.Fields ?? []).map((f) => f.Name)) : [];
    if (types.length > 0) message += ` Did you mean to use an inline fragment on ${quotedOrList(types)}?`;
    else if (fields.length > 0) message += ` Did you mean ${quotedOrList(fields)}?`;
    report(message, field.Position);
  });
};

/** Types under an abstract parent that do have the field: interfaces (most used first), then objects. */
function suggestedTypeNames(schema: Schema, parent: Definition, name: string): string[] {
  if (parent.Kind !== 'INTERFACE' && parent.Kind !== 'UNION') return [];
  const objects: string[] = [];
  const usage = new Map<string, number>();
  for (const possible of possibleTypes(schema, parent)) {
    if (!possible.Fields?.some((f) => f.Name === name)) continue;
    objects.push(possible.Name);
    for (const intf of possible.Interfaces ?? []) {
      if (schema.types.get(intf)?.Fields?.some((f) => f.Name === name)) usage.set(intf, (usage.get(intf) ?? 0) + 1);
    }
  }
  const interfaces = [...usage.keys()].sort((a, b) => usage.get(b)! - usage.get(a)!);
  return [...interfaces, ...objects];
}

const fragmentsOnCompositeTypes: Rule = (events, walker, report) => {
  events.inlineFragment.push((fragment) => {
    const type = walker.schema.types.get(fragment.TypeCondition);
    if (type && !isComposite(type)) report(`Fragment cannot condition on non composite type "${fragment.TypeCondition}".`, fragment.Position);
  });
  events.fragment.push((fragment) => {
    const type = walker.schema.types.get(fragment.TypeCondition);
    if (type && fragment.TypeCondition !== '' && !isComposite(type)) {
      report(`Fragment "${fragment.Name}" cannot condition on non composite type "${fragment.TypeCondition}".`, fragment.Position);
    }
  });
};

const knownArgumentNames: Rule = (events, walker, report) => {
  events.field.push((field) => {
    const { definition, parent } = walker.fields.get(field)!;
    if (!definition || !parent) return;
    const names = (definition.Arguments ?? []).map((a) => a.Name);
    for (const argument of field.Arguments ?? []) {
      if (names.includes(argument.Name)) continue;
      report(`Unknown argument "${argument.Name}" on field "${parent.Name}.${field.Name}".${suggestQuoted('Did you mean', argument.Name, names)}`, field.Position);
    }
  });
  events.directive.push((directive) => {
    const { definition } = walker.directives.get(directive)!;
    if (!definition) return;
    const names = (definition.Arguments ?? []).map((a) => a.Name);
    for (const argument of directive.Arguments ?? []) {
      if (names.includes(argument.Name)) continue;
      report(`Unknown argument "${argument.Name}" on directive "@${directive.Name}".${suggestQuoted('Did you mean', argument.Name, names)}`, directive.Position);
    }
  });
};

const knownDirectives: Rule = (events, walker, report) => {
  events.directive.push((directive) => {
    const { definition, location } = walker.directives.get(directive)!;
    if (!definition) report(`Unknown directive "@${directive.Name}".`, directive.Position);
    else if (!(definition.Locations ?? []).includes(location)) report(`Directive "@${directive.Name}" may not be used on ${location}.`, directive.Position);
  });
};

const knownFragmentNames: Rule = (events, walker, report) => {
  events.fragmentSpread.push((spread) => {
    if (!walker.fragment(spread.Name)) report(`Unknown fragment "${spread.Name}".`, spread.Position);
  });
};

const knownRootType: Rule = (events, walker, report) => {
  events.operation.push((operation) => {
    const { schema } = walker;
    const root = operation.Operation === 'mutation' ? schema.mutation : operation.Operation === 'subscription' ? schema.subscription : schema.query;
    if (!root) report(`Schema does not support operation type "${operation.Operation}"`, operation.Position);
  });
};

const knownTypeNames: Rule = (events, walker, report) => {
  events.variable.push((variable) => {
    const name = typeName(variable.Type);
    if (!walker.schema.types.has(name)) report(`Unknown type "${name}".`, variable.Position);
  });
  events.inlineFragment.push((fragment) => {
    if (fragment.TypeCondition !== '' && !walker.schema.types.has(fragment.TypeCondition)) {
      report(`Unknown type "${fragment.TypeCondition}".`, fragment.Position);
    }
  });
  events.fragment.push((fragment) => {
    if (walker.schema.types.has(fragment.TypeCondition)) return;
    const names = [...walker.schema.types.keys()];
    report(`Unknown type "${fragment.TypeCondition}".${suggestQuoted('Did you mean', fragment.TypeCondition, names)}`, fragment.Position);
  });
};

const loneAnonymousOperation: Rule = (events, walker, report) => {
  events.operation.push((operation) => {
    if (operation.Name === '' && (walker.document.Operations ?? []).length > 1) {
      report('This anonymous operation must be the only defined operation.', operation.Position);
    }
  });
};

/** Fragment spreads in a selection set, through fields and inline fragments but not other fragments. */
function spreadsIn(selections: readonly Selection[] | undefined, into: FragmentSpread[] = []): FragmentSpread[] {
  for (const selection of selections ?? []) {
    if (isField(selection) || isInlineFragment(selection)) spreadsIn(selection.SelectionSet, into);
    else into.push(selection);
  }
  return into;
}

const noFragmentCycles: Rule = (events, walker, report) => {
  const visited = new Set<string>();
  events.fragment.push((start) => {
    const path: FragmentSpread[] = [];
    const indexByName = new Map<string, number>();
    const visit = (fragment: NonNullable<QueryDocument['Fragments']>[number]) => {
      if (visited.has(fragment.Name)) return;
      visited.add(fragment.Name);
      const spreads = spreadsIn(fragment.SelectionSet);
      if (spreads.length === 0) return;
      indexByName.set(fragment.Name, path.length);
      for (const spread of spreads) {
        const cycleIndex = indexByName.get(spread.Name);
        path.push(spread);
        if (cycleIndex === undefined) {
          const next = walker.fragment(spread.Name);
          if (next) visit(next);
        } else {
          const via = path.slice(cycleIndex, -1).map((s) => `"${s.Name}"`);
          report(`Cannot spread fragment "${spread.Name}" within itself${via.length > 0 ? ` via ${via.join(', ')}` : ''}.`, spread.Position);
        }
        path.pop();
      }
      indexByName.delete(fragment.Name);
    };
    visit(start);
  });
};

const noUndefinedVariables: Rule = (events, walker, report) => {
  events.value.push((value) => {
    const operation = walker.currentOperation;
    if (!operation || value.Kind !== ValueKind.Variable || walker.values.get(value)!.variable) return;
    const by = operation.Name !== '' ? ` by operation "${operation.Name}"` : '';
    report(`Variable "${valueText(value)}" is not defined${by}.`, value.Position);
  });
};

const noUnusedFragments: Rule = (events, _walker, report) => {
  let inFragments = false;
  const used = new Set<string>();
  events.fragmentSpread.push((spread) => {
    if (!inFragments) used.add(spread.Name);
  });
  events.fragment.push((fragment) => {
    inFragments = true;
    if (!used.has(fragment.Name)) report(`Fragment "${fragment.Name}" is never used.`, fragment.Position);
  });
};

const noUnusedVariables: Rule = (events, walker, report) => {
  events.operation.push((operation) => {
    for (const variable of operation.VariableDefinitions ?? []) {
      if (walker.usedVariables.has(variable)) continue;
      const where = operation.Name !== '' ? ` in operation "${operation.Name}"` : '';
      report(`Variable "$${variable.Variable}" is never used${where}.`, variable.Position);
    }
  });
};

const possibleFragmentSpreads: Rule = (events, walker, report) => {
  const overlaps = (parent: Definition | undefined, condition: string): boolean => {
    if (!parent) return true;
    let parents: Definition[];
    if (parent.Kind === 'OBJECT') parents = [parent];
    else if (parent.Kind === 'INTERFACE' || parent.Kind === 'UNION') parents = possibleTypes(walker.schema, parent);
    else return true;
    const fragmentType = walker.schema.types.get(condition);
    if (!fragmentType || !isComposite(fragmentType)) return true;
    return possibleTypes(walker.schema, fragmentType).some((f) => parents.some((p) => p.Name === f.Name));
  };
  events.inlineFragment.push((fragment) => {
    const parent = walker.parents.get(fragment);
    if (overlaps(parent, fragment.TypeCondition)) return;
    report(`Fragment cannot be spread here as objects of type "${parent!.Name}" can never be of type "${fragment.TypeCondition}".`, fragment.Position);
  });
  events.fragmentSpread.push((spread) => {
    const fragment = walker.fragment(spread.Name);
    const parent = walker.parents.get(spread);
    if (!fragment || overlaps(parent, fragment.TypeCondition)) return;
    report(
      `Fragment "${spread.Name}" cannot be spread here as objects of type "${parent!.Name}" can never be of type "${fragment.TypeCondition}".`,
      spread.Position,
    );
  });
};

const providedRequiredArguments: Rule = (events, walker, report) => {
  events.field.push((field) => {
    const { definition } = walker.fields.get(field)!;
    for (const argument of definition?.Arguments ?? []) {
      if (!argument.Type.NonNull || argument.DefaultValue || field.Arguments?.some((a) => a.Name === argument.Name)) continue;
      report(
        `Field "${field.Name}" argument "${argument.Name}" of type "${typeString(argument.Type)}" is required, but it was not provided.`,
        field.Position,
      );
    }
  });
  events.directive.push((directive) => {
    const { definition } = walker.directives.get(directive)!;
    for (const argument of definition?.Arguments ?? []) {
      if (!argument.Type.NonNull || argument.DefaultValue || directive.Arguments?.some((a) => a.Name === argument.Name)) continue;
      report(
        `Directive "@${definition!.Name}" argument "${argument.Name}" of type "${typeString(argument.Type)}" is required, but it was not provided.`,
        directive.Position,
      );
    }
  });
};

const scalarLeafs: Rule = (events, walker, report) => {
  events.field.push((field) => {
    const { definition } = walker.fields.get(field)!;
    if (!definition) return;
    const type = walker.schema.types.get(typeName(definition.Type));
    if (!type) return;
    const hasSelection = (field.SelectionSet ?? []).length > 0;
    if (isLeaf(type) && hasSelection) {
      report(`Field "${field.Name}" must not have a selection since type "${type.Name}" has no subfields.`, field.Position);
    }
    if (!isLeaf(type) && !hasSelection) {
      report(
        `Field "${field.Name}" of type "${typeString(definition.Type)}" must have a selection of subfields. Did you mean "${field.Name} { ... }"?`,
        field.Position,
      );
    }
  });
};

const singleFieldSubscriptions: Rule = (events, walker, report) => {
  events.operation.push((operation) => {
    if (operation.Operation !== 'subscription') return;
    const fields: string[] = [];
    const collect = (selections: readonly Selection[] | undefined, seen: Set<string>) => {
      for (const selection of selections ?? []) {
        if (isField(selection)) fields.push(selection.Name);
        else if (isInlineFragment(selection)) collect(selection.SelectionSet, seen);
        else if (!seen.has(selection.Name)) {
          seen.add(selection.Name);
          collect(walker.fragment(selection.Name)?.SelectionSet, seen);
        }
      }
    };
    collect(operation.SelectionSet, new Set());
    const name = operation.Name !== '' ? `Subscription "${operation.Name}"` : 'Anonymous Subscription';
    if (fields.length > 1) report(`${name} must select only one top level field.`, operation.Position);
    for (const field of fields) {
      if (field.startsWith('__')) report(`${name} must not select an introspection top level field.`, operation.Position);
    }
  });
};

function uniqueArguments(args: readonly Argument[] | undefined, report: Report): void {
  const seen = new Set<string>();
  for (const argument of args ?? []) {
    if (seen.has(argument.Name)) report(`There can be only one argument named "${argument.Name}".`, argument.Position);
    seen.add(argument.Name);
  }
}

const uniqueArgumentNames: Rule = (events, _walker, report) => {
  events.field.push((field) => uniqueArguments(field.Arguments, report));
  events.directive.push((directive) => uniqueArguments(directive.Arguments, report));
};

const uniqueDirectivesPerLocation: Rule = (events, walker, report) => {
  events.directiveList.push((directives) => {
    const seen = new Set<string>();
    for (const directive of directives) {
      if (walker.directives.get(directive)?.definition?.IsRepeatable) continue;
      if (seen.has(directive.Name)) report(`The directive "@${directive.Name}" can only be used once at this location.`, directive.Position);
      seen.add(directive.Name);
    }
  });
};

const uniqueFragmentNames: Rule = (events, _walker, report) => {
  const seen = new Set<string>();
  events.fragment.push((fragment) => {
    if (seen.has(fragment.Name)) report(`There can be only one fragment named "${fragment.Name}".`, fragment.Position);
    seen.add(fragment.Name);
  });
};

const uniqueInputFieldNames: Rule = (events, _walker, report) => {
  events.value.push((value) => {
    if (value.Kind !== ValueKind.Object) return;
    const seen = new Set<string>();
    for (const child of value.Children ?? []) {
      if (seen.has(child.Name)) report(`There can be only one input field named "${child.Name}".`, child.Position);
      seen.add(child.Name);
    }
  });
};

const uniqueOperationNames: Rule = (events, _walker, report) => {
  const seen = new Set<string>();
  events.operation.push((operation) => {
    if (operation.Name === '') return;
    if (seen.has(operation.Name)) report(`There can be only one operation named "${operation.Name}".`, operation.Position);
    seen.add(operation.Name);
  });
};

const uniqueVariableNames: Rule = (events, _walker, report) => {
  events.operation.push((operation) => {
    const seen = new Set<string>();
    for (const variable of operation.VariableDefinitions ?? []) {
      if (seen.has(variable.Variable)) report(`There can be only one variable named "$${variable.Variable}".`, variable.Position);
      seen.add(variable.Variable);
    }
  });
};

const variablesAreInputTypes: Rule = (events, walker, report) => {
  events.operation.push((operation) => {
    for (const variable of operation.VariableDefinitions ?? []) {
      const definition = walker.schema.types.get(typeName(variable.Type));
      if (definition && !isInputType(definition)) {
        report(`Variable "$${variable.Variable}" cannot be non-input type "${typeString(variable.Type)}".`, variable.Position);
      }
    }
  });
};

const variablesInAllowedPosition: Rule = (events, walker, report) => {
  events.value.push((value) => {
    const info = walker.values.get(value)!;
    if (value.Kind !== ValueKind.Variable || !info.expectedType || !info.variable || !walker.currentOperation) return;
    const expected = { ...info.expectedType };
    // A variable with a default, or a position with one, may be nullable where non-null is expected.
    const variableDefault = info.variable.DefaultValue !== undefined && info.variable.DefaultValue.Kind !== ValueKind.Null;
    if ((variableDefault || info.expectedTypeHasDefault) && expected.NonNull) expected.NonNull = false;
    if (!isCompatible(info.variable.Type, expected)) {
      report(
        `Variable "${valueText(value)}" of type "${typeString(info.variable.Type)}" used in position expecting type "${typeString(info.expectedType)}".`,
        value.Position,
      );
    }
  });
};

const RULES: readonly Rule[] = [
  fieldsOnCorrectType,
  fragmentsOnCompositeTypes,
  knownArgumentNames,
  knownDirectives,
  knownFragmentNames,
  knownRootType,
  knownTypeNames,
  loneAnonymousOperation,
  noFragmentCycles,
  noUndefinedVariables,
  noUnusedFragments,
  noUnusedVariables,
  overlappingFieldsCanBeMerged,
  possibleFragmentSpreads,
  providedRequiredArguments,
  scalarLeafs,
  singleFieldSubscriptions,
  uniqueArgumentNames,
  uniqueDirectivesPerLocation,
  uniqueFragmentNames,
  uniqueInputFieldNames,
  uniqueOperationNames,
  uniqueVariableNames,
  valuesOfCorrectType,
  variablesAreInputTypes,
  variablesInAllowedPosition,
];

/** Every rule violation in the document, in the order gqlparser reports them. */
export function validateQuery(schema: Schema, document: QueryDocument): GraphqlError[] {
  const errors: GraphqlError[] = [];
  const events = newEvents();
  const walker = new Walker(schema, document, events);
  for (const rule of RULES) rule(events, walker, (message, position) => errors.push(new GraphqlError(message, position)));
  walker.walk();
  return errors;
}
