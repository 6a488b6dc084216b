import type {
  Argument,
  ArgumentDefinition,
  Definition,
  Directive,
  DirectiveDefinition,
  Field,
  FieldDefinition,
  FragmentDefinition,
  FragmentSpread,
  GqlType,
  GqlValue,
  InlineFragment,
  OperationDefinition,
  QueryDocument,
  Selection,
  VariableDefinition,
} from './ast.ts';
import { ValueKind, isField, isInlineFragment } from './ast.ts';
import type { Schema } from './schema.ts';
import { typeName } from './schema.ts';

/**
 * gqlparser's validation walker: visits operations, then fragment definitions, in document order,
 * following fragment spreads once per operation, and calls each event's observers after the node's
 * children (post-order). What gqlparser writes onto AST nodes during the walk (definitions, expected
 * types, variable use) is kept in side tables here, so the parsed AST handed back stays as parsed.
 */

interface FieldInfo {
  readonly definition: FieldDefinition | undefined;
  readonly parent: Definition | undefined;
}

interface ValueInfo {
  readonly expectedType: GqlType | undefined;
  readonly expectedTypeHasDefault: boolean;
  readonly definition: Definition | undefined;
  readonly variable: VariableDefinition | undefined;
}

interface DirectiveInfo {
  readonly definition: DirectiveDefinition | undefined;
  readonly location: string;
}

export interface Events {
  operation: ((operation: OperationDefinition) => void)[];
  field: ((field: Field) => void)[];
  fragment: ((fragment: FragmentDefinition) => void)[];
  inlineFragment: ((fragment: InlineFragment) => void)[];
  fragmentSpread: ((spread: FragmentSpread) => void)[];
  directive: ((directive: Directive) => void)[];
  directiveList: ((directives: readonly Directive[]) => void)[];
  value: ((value: GqlValue) => void)[];
  variable: ((variable: VariableDefinition) => void)[];
}

export const newEvents = (): Events => ({
  operation: [],
  field: [],
  fragment: [],
  inlineFragment: [],
  fragmentSpread: [],
  directive: [],
  directiveList: [],
  value: [],
  variable: [],
});

const STRING: FieldDefinition = { Description: '', Name: '__typename', Type: { NamedType: 'String', NonNull: false } };

export class Walker {
  readonly fields = new Map<Field, FieldInfo>();
  readonly values = new Map<GqlValue, ValueInfo>();
  readonly directives = new Map<Directive, DirectiveInfo>();
  readonly usedVariables = new Set<VariableDefinition>();
  /** Parent type of each inline fragment and fragment spread. */
  readonly parents = new Map<InlineFragment | FragmentSpread, Definition | undefined>();
  currentOperation: OperationDefinition | undefined;
  private spreadsSeen = new Set<string>();

  constructor(
    readonly schema: Schema,
    readonly document: QueryDocument,
    private readonly events: Events,
  ) {}

  fragment(name: string): FragmentDefinition | undefined {
    return this.document.Fragments?.find((fragment) => fragment.Name === name);
  }

  walk(): void {
    for (const operation of this.document.Operations ?? []) {
      this.spreadsSeen = new Set();
      this.walkOperation(operation);
    }
    for (const fragment of this.document.Fragments ?? []) {
      this.spreadsSeen = new Set();
      const definition = this.schema.types.get(fragment.TypeCondition);
      this.walkDirectives(fragment.Directives, 'FRAGMENT_DEFINITION');
      this.walkSelections(definition, fragment.SelectionSet);
      for (const observer of this.events.fragment) observer(fragment);
    }
  }

  private walkOperation(operation: OperationDefinition): void {
    this.currentOperation = operation;
    const variables = operation.VariableDefinitions ?? [];
    for (const variable of variables) for (const observer of this.events.variable) observer(variable);
    const root =
      operation.Operation === 'mutation' ? this.schema.mutation : operation.Operation === 'subscription' ? this.schema.subscription : this.schema.query;
    const location = operation.Operation === 'mutation' ? 'MUTATION' : operation.Operation === 'subscription' ? 'SUBSCRIPTION' : 'QUERY';
    for (const variable of variables) {
      if (variable.DefaultValue) {
        this.walkValue(variable.DefaultValue, {
          expectedType: variable.Type,
          expectedTypeHasDefault: false,
          definition: this.schema.types.get(typeName(variable.Type)),
        });
      }
      this.walkDirectives(variable.Directives, 'VARIABLE_DEFINITION');
    }
    this.walkDirectives(operation.Directives, location);
    this.walkSelections(root, operation.SelectionSet);
    for (const observer of this.events.operation) observer(operation);
    this.currentOperation = undefined;
  }

  private walkDirectives(directives: Directive[] | undefined, location: string): void {
    for (const directive of directives ?? []) {
      const definition = this.schema.directives.get(directive.Name);
      this.directives.set(directive, { definition, location });
      for (const argument of directive.Arguments ?? []) {
        this.walkArgument(definition?.Arguments?.find((a) => a.Name === argument.Name), argument);
      }
      for (const observer of this.events.directive) observer(directive);
    }
    for (const observer of this.events.directiveList) observer(directives ?? []);
  }

  private walkArgument(definition: ArgumentDefinition | undefined, argument: Argument): void {
    this.walkValue(
      argument.Value,
      definition
        ? {
            expectedType: definition.Type,
            expectedTypeHasDefault: definition.DefaultValue !== undefined && definition.DefaultValue.Kind !== ValueKind.Null,
            definition: this.schema.types.get(typeName(definition.Type)),
          }
        : undefined,
    );
  }

  private walkValue(value: GqlValue, expected: Omit<ValueInfo, 'variable'> | undefined): void {
    let variable: VariableDefinition | undefined;
    if (value.Kind === ValueKind.Variable && this.currentOperation) {
      variable = this.currentOperation.VariableDefinitions?.find((v) => v.Variable === value.Raw);
      if (variable) this.usedVariables.add(variable);
    }
    const info: ValueInfo = {
      expectedType: expected?.expectedType,
      expectedTypeHasDefault: expected?.expectedTypeHasDefault ?? false,
      definition: expected?.definition,
      variable,
    };
    this.values.set(value, info);
    if (value.Kind === ValueKind.Object) {
      for (const child of value.Children ?? []) {
        const field = info.definition?.Fields?.find((f) => f.Name === child.Name);
        this.walkValue(
          child.Value,
          field && {
            expectedType: field.Type,
            expectedTypeHasDefault: field.DefaultValue !== undefined && field.DefaultValue.Kind !== ValueKind.Null,
            definition: this.schema.types.get(typeName(field.Type)),
          },
        );
      }
    }
    if (value.Kind === ValueKind.List) {
      for (const child of value.Children ?? []) {
        this.walkValue(
          child.Value,
          info.expectedType?.Elem && { expectedType: info.expectedType.Elem, expectedTypeHasDefault: false, definition: info.definition },
        );
      }
    }
    for (const observer of this.events.value) observer(value);
  }

  private walkSelections(parent: Definition | undefined, selections: Selection[] | undefined): void {
    for (const selection of selections ?? []) this.walkSelection(parent, selection);
  }

  private walkSelection(parent: Definition | undefined, selection: Selection): void {
    if (isField(selection)) {
      const definition = selection.Name === '__typename' ? STRING : parent?.Fields?.find((f) => f.Name === selection.Name);
      this.fields.set(selection, { definition, parent });
      const next = definition ? this.schema.types.get(typeName(definition.Type)) : undefined;
      for (const argument of selection.Arguments ?? []) {
        this.walkArgument(definition?.Arguments?.find((a) => a.Name === argument.Name), argument);
      }
      this.walkDirectives(selection.Directives, 'FIELD');
      this.walkSelections(next, selection.SelectionSet);
      for (const observer of this.events.field) observer(selection);
    } else if (isInlineFragment(selection)) {
      this.parents.set(selection, parent);
      const next = selection.TypeCondition !== '' ? this.schema.types.get(selection.TypeCondition) : parent;
      this.walkDirectives(selection.Directives, 'INLINE_FRAGMENT');
      this.walkSelections(next, selection.SelectionSet);
      for (const observer of this.events.inlineFragment) observer(selection);
    } else {
      this.parents.set(selection, parent);
      const fragment = this.fragment(selection.Name);
      const next = fragment ? this.schema.types.get(fragment.TypeCondition) : undefined;
      this.walkDirectives(selection.Directives, 'FRAGMENT_SPREAD');
      if (fragment && !this.spreadsSeen.has(fragment.Name)) {
        // Each fragment is followed once per operation, which also stops cycles.
        this.spreadsSeen.add(fragment.Name);
        this.walkSelections(next, fragment.SelectionSet);
      }
      for (const observer of this.events.fragmentSpread) observer(selection);
    }
  }
}
