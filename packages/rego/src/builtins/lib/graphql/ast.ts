import type { Position } from './lexer.ts';
import { goQuote } from './lexer.ts';

/**
 * gqlparser's AST, with its Go field names: OPA returns the AST as the JSON encoding of these
 * structs, so naming the fields as Go does makes the conversion a plain walk. `Position` is kept for
 * error locations and dropped on output, as OPA does.
 */

export const enum ValueKind {
  Variable = 0,
  Int = 1,
  Float = 2,
  String = 3,
  Block = 4,
  Boolean = 5,
  Null = 6,
  Enum = 7,
  List = 8,
  Object = 9,
}

export interface GqlType {
  NamedType: string;
  Elem?: GqlType;
  NonNull: boolean;
  Position?: Position;
}

export interface GqlValue {
  Raw: string;
  Children?: ChildValue[];
  Kind: ValueKind;
  ExpectedTypeHasDefault: boolean;
  Position?: Position;
}

export interface ChildValue {
  Name: string;
  Value: GqlValue;
  Position?: Position;
}

export interface Argument {
  Name: string;
  Value: GqlValue;
  Position?: Position;
}

export interface Directive {
  Name: string;
  Arguments?: Argument[];
  Location: string;
  Position?: Position;
}

export interface Field {
  Alias: string;
  Name: string;
  Arguments?: Argument[];
  Directives?: Directive[];
  SelectionSet?: Selection[];
  Position?: Position;
}

export interface FragmentSpread {
  Name: string;
  Directives?: Directive[];
  Position?: Position;
}

export interface InlineFragment {
  TypeCondition: string;
  Directives?: Directive[];
  SelectionSet?: Selection[];
  Position?: Position;
}

export type Selection = Field | FragmentSpread | InlineFragment;

export const isInlineFragment = (s: Selection): s is InlineFragment => 'TypeCondition' in s;
export const isField = (s: Selection): s is Field => 'Alias' in s;

export interface VariableDefinition {
  Variable: string;
  Type: GqlType;
  DefaultValue?: GqlValue;
  Directives?: Directive[];
  Used: boolean;
  Position?: Position;
}

export interface OperationDefinition {
  Operation: string;
  Name: string;
  VariableDefinitions?: VariableDefinition[];
  Directives?: Directive[];
  SelectionSet?: Selection[];
  Position?: Position;
}

export interface FragmentDefinition {
  Name: string;
  VariableDefinition?: VariableDefinition[];
  TypeCondition: string;
  Directives?: Directive[];
  SelectionSet?: Selection[];
  Position?: Position;
}

export interface QueryDocument {
  Operations?: OperationDefinition[];
  Fragments?: FragmentDefinition[];
}

export interface ArgumentDefinition {
  Description: string;
  Name: string;
  DefaultValue?: GqlValue;
  Type: GqlType;
  Directives?: Directive[];
  Position?: Position;
}

export interface FieldDefinition extends ArgumentDefinition {
  Arguments?: ArgumentDefinition[];
}

export interface EnumValueDefinition {
  Description: string;
  Name: string;
  Directives?: Directive[];
  Position?: Position;
}

export type DefinitionKind = 'SCALAR' | 'OBJECT' | 'INTERFACE' | 'UNION' | 'ENUM' | 'INPUT_OBJECT';

export interface Definition {
  Kind: DefinitionKind;
  Description: string;
  Name: string;
  Directives?: Directive[];
  Interfaces?: string[];
  Fields?: FieldDefinition[];
  Types?: string[];
  EnumValues?: EnumValueDefinition[];
  BuiltIn: boolean;
  Position?: Position;
}

export interface DirectiveDefinition {
  Description: string;
  Name: string;
  Arguments?: ArgumentDefinition[];
  Locations?: string[];
  IsRepeatable: boolean;
  Position?: Position;
}

export interface OperationTypeDefinition {
  Operation: string;
  Type: string;
  Position?: Position;
}

export interface SchemaDefinition {
  Description: string;
  Directives?: Directive[];
  OperationTypes?: OperationTypeDefinition[];
  Position?: Position;
}

export interface SchemaDocument {
  Schema?: SchemaDefinition[];
  SchemaExtension?: SchemaDefinition[];
  Directives?: DirectiveDefinition[];
  Definitions?: Definition[];
  Extensions?: Definition[];
}

/** gqlparser's Value.String(), as its validation messages print values. */
export function valueText(value: GqlValue): string {
  switch (value.Kind) {
    case ValueKind.Variable:
      return `$${value.Raw}`;
    case ValueKind.String:
    case ValueKind.Block:
      return goQuote(value.Raw);
    case ValueKind.List:
      return `[${(value.Children ?? []).map((child) => valueText(child.Value)).join(',')}]`;
    case ValueKind.Object:
      return `{${(value.Children ?? []).map((child) => `${child.Name}:${valueText(child.Value)}`).join(',')}}`;
    default:
      return value.Raw;
  }
}
