import type { Value } from '../../../value.ts';
import { RObject, fromJson, toJson } from '../../../value.ts';
import type {
  Argument,
  ArgumentDefinition,
  Definition,
  DefinitionKind,
  Directive,
  GqlType,
  GqlValue,
  QueryDocument,
  SchemaDefinition,
  SchemaDocument,
  Selection,
  VariableDefinition,
} from './ast.ts';

/**
 * The AST to and from Rego values, as OPA converts it through Go's encoding/json: out as the pruned
 * JSON of gqlparser's structs, back in (for AST operands) with Go's zero values for missing members.
 */

/**
 * The AST as OPA returns it: Position dropped, and null, empty-list and empty-object members left
 * out (OPA's pruneIrrelevantGraphQLASTNodes); empty strings, false and 0 stay.
 */
export function astToValue(node: QueryDocument | SchemaDocument): Value {
  return prune(node) ?? new RObject();
}

function prune(node: unknown): Value | undefined {
  if (node === undefined || node === null) return undefined;
  if (Array.isArray(node)) {
    const items = node.map(prune).filter((item): item is Value => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof node === 'object') {
    const entries: [Value, Value][] = [];
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Position') continue;
      const pruned = prune(value);
      if (pruned !== undefined) entries.push([key, pruned]);
    }
    return entries.length > 0 ? RObject.fromEntries(entries) : undefined;
  }
  return fromJson(node);
}

/** Raised when an AST object does not decode, as Go's json.Unmarshal would refuse it. */
export class AstDecodeError extends Error {
  override readonly name = 'AstDecodeError';
}

type Json = ReturnType<typeof toJson>;
type JsonObject = { readonly [key: string]: Json };

function asObject(json: Json | undefined, what: string): JsonObject | undefined {
  if (json === undefined || json === null) return undefined;
  if (typeof json !== 'object' || Array.isArray(json) || typeof json === 'bigint') {
    throw new AstDecodeError(`json: cannot unmarshal into Go value of type ast.${what}`);
  }
  return json as JsonObject;
}

function list<T>(json: Json | undefined, what: string, item: (element: Json) => T | undefined): T[] | undefined {
  if (json === undefined || json === null) return undefined;
  if (!Array.isArray(json)) throw new AstDecodeError(`json: cannot unmarshal into Go value of type []ast.${what}`);
  return json.map(item).filter((element): element is T => element !== undefined);
}

function str(object: JsonObject, key: string): string {
  const value = object[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new AstDecodeError(`json: cannot unmarshal into Go struct field .${key} of type string`);
  return value;
}

function bool(object: JsonObject, key: string): boolean {
  const value = object[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new AstDecodeError(`json: cannot unmarshal into Go struct field .${key} of type bool`);
  return value;
}

function strings(object: JsonObject, key: string): string[] | undefined {
  return list(object[key], 'string', (element) => {
    if (typeof element !== 'string') throw new AstDecodeError(`json: cannot unmarshal into Go struct field .${key} of type string`);
    return element;
  });
}

function decodeType(json: Json | undefined): GqlType | undefined {
  const o = asObject(json, 'Type');
  if (!o) return undefined;
  const elem = decodeType(o['Elem']);
  return { NamedType: str(o, 'NamedType'), ...(elem ? { Elem: elem } : {}), NonNull: bool(o, 'NonNull') };
}

function decodeValue(json: Json | undefined): GqlValue | undefined {
  const o = asObject(json, 'Value');
  if (!o) return undefined;
  const kind = o['Kind'] ?? 0;
  if (typeof kind !== 'number' || !Number.isInteger(kind)) throw new AstDecodeError('json: cannot unmarshal into Go struct field Value.Kind of type ast.ValueKind');
  const children = list(o['Children'], 'ChildValue', (child) => {
    const c = asObject(child, 'ChildValue')!;
    return { Name: str(c, 'Name'), Value: requiredValue(c['Value']) };
  });
  return { Raw: str(o, 'Raw'), ...(children ? { Children: children } : {}), Kind: kind, ExpectedTypeHasDefault: bool(o, 'ExpectedTypeHasDefault') };
}

/** gqlparser dereferences argument and object-field values unchecked; refuse a missing one here. */
function requiredValue(json: Json | undefined): GqlValue {
  const value = decodeValue(json);
  if (!value) throw new AstDecodeError('graphql: argument or input field without a Value');
  return value;
}

function decodeArguments(json: Json | undefined): Argument[] | undefined {
  return list(json, 'Argument', (element) => {
    const o = asObject(element, 'Argument');
    return o && { Name: str(o, 'Name'), Value: requiredValue(o['Value']) };
  });
}

function decodeDirectives(json: Json | undefined): Directive[] | undefined {
  return list(json, 'Directive', (element) => {
    const o = asObject(element, 'Directive');
    return o && { Name: str(o, 'Name'), Arguments: decodeArguments(o['Arguments']), Location: str(o, 'Location') };
  });
}

/**
 * A selection's kind is not in its JSON: an inline fragment is told by its TypeCondition, a field by
 * its Alias, and a fragment spread is what has neither.
 */
function decodeSelections(json: Json | undefined): Selection[] | undefined {
  return list(json, 'Selection', (element) => {
    const o = asObject(element, 'Selection');
    if (!o) return undefined;
    const directives = decodeDirectives(o['Directives']);
    if ('TypeCondition' in o) {
      return { TypeCondition: str(o, 'TypeCondition'), Directives: directives, SelectionSet: decodeSelections(o['SelectionSet']) };
    }
    if ('Alias' in o || 'SelectionSet' in o || 'Arguments' in o) {
      return {
        Alias: str(o, 'Alias'),
        Name: str(o, 'Name'),
        Arguments: decodeArguments(o['Arguments']),
        Directives: directives,
        SelectionSet: decodeSelections(o['SelectionSet']),
      };
    }
    return { Name: str(o, 'Name'), Directives: directives };
  });
}

function decodeVariables(json: Json | undefined): VariableDefinition[] | undefined {
  return list(json, 'VariableDefinition', (element) => {
    const o = asObject(element, 'VariableDefinition');
    return (
      o && {
        Variable: str(o, 'Variable'),
        Type: decodeType(o['Type']) ?? { NamedType: '', NonNull: false },
        DefaultValue: decodeValue(o['DefaultValue']),
        Directives: decodeDirectives(o['Directives']),
        Used: bool(o, 'Used'),
      }
    );
  });
}

export function queryDocumentFromValue(value: Value): QueryDocument {
  const o = asObject(toJson(value), 'QueryDocument') ?? {};
  return {
    Operations: list(o['Operations'], 'OperationDefinition', (element) => {
      const op = asObject(element, 'OperationDefinition');
      return (
        op && {
          Operation: str(op, 'Operation'),
          Name: str(op, 'Name'),
          VariableDefinitions: decodeVariables(op['VariableDefinitions']),
          Directives: decodeDirectives(op['Directives']),
          SelectionSet: decodeSelections(op['SelectionSet']),
        }
      );
    }),
    Fragments: list(o['Fragments'], 'FragmentDefinition', (element) => {
      const f = asObject(element, 'FragmentDefinition');
      return (
        f && {
          Name: str(f, 'Name'),
          VariableDefinition: decodeVariables(f['VariableDefinition']),
          TypeCondition: str(f, 'TypeCondition'),
          Directives: decodeDirectives(f['Directives']),
          SelectionSet: decodeSelections(f['SelectionSet']),
        }
      );
    }),
  };
}

function decodeArgumentDefinitions(json: Json | undefined): ArgumentDefinition[] | undefined {
  return list(json, 'ArgumentDefinition', (element) => {
    const o = asObject(element, 'ArgumentDefinition');
    return (
      o && {
        Description: str(o, 'Description'),
        Name: str(o, 'Name'),
        DefaultValue: decodeValue(o['DefaultValue']),
        Type: decodeType(o['Type']) ?? { NamedType: '', NonNull: false },
        Directives: decodeDirectives(o['Directives']),
      }
    );
  });
}

function decodeDefinitions(json: Json | undefined): Definition[] | undefined {
  return list(json, 'Definition', (element) => {
    const o = asObject(element, 'Definition');
    if (!o) return undefined;
    return {
      Kind: str(o, 'Kind') as DefinitionKind,
      Description: str(o, 'Description'),
      Name: str(o, 'Name'),
      Directives: decodeDirectives(o['Directives']),
      Interfaces: strings(o, 'Interfaces'),
      Fields: list(o['Fields'], 'FieldDefinition', (field) => {
        const f = asObject(field, 'FieldDefinition');
        return (
          f && {
            Description: str(f, 'Description'),
            Name: str(f, 'Name'),
            Arguments: decodeArgumentDefinitions(f['Arguments']),
            DefaultValue: decodeValue(f['DefaultValue']),
            Type: decodeType(f['Type']) ?? { NamedType: '', NonNull: false },
            Directives: decodeDirectives(f['Directives']),
          }
        );
      }),
      Types: strings(o, 'Types'),
      EnumValues: list(o['EnumValues'], 'EnumValueDefinition', (value) => {
        const v = asObject(value, 'EnumValueDefinition');
        return v && { Description: str(v, 'Description'), Name: str(v, 'Name'), Directives: decodeDirectives(v['Directives']) };
      }),
      BuiltIn: bool(o, 'BuiltIn'),
    };
  });
}

function decodeSchemaDefinitions(json: Json | undefined): SchemaDefinition[] | undefined {
  return list(json, 'SchemaDefinition', (element) => {
    const o = asObject(element, 'SchemaDefinition');
    return (
      o && {
        Description: str(o, 'Description'),
        Directives: decodeDirectives(o['Directives']),
        OperationTypes: list(o['OperationTypes'], 'OperationTypeDefinition', (op) => {
          const t = asObject(op, 'OperationTypeDefinition');
          return t && { Operation: str(t, 'Operation'), Type: str(t, 'Type') };
        }),
      }
    );
  });
}

export function schemaDocumentFromValue(value: Value): SchemaDocument {
  const o = asObject(toJson(value), 'SchemaDocument') ?? {};
  return {
    Schema: decodeSchemaDefinitions(o['Schema']),
    SchemaExtension: decodeSchemaDefinitions(o['SchemaExtension']),
    Directives: list(o['Directives'], 'DirectiveDefinition', (element) => {
      const d = asObject(element, 'DirectiveDefinition');
      return (
        d && {
          Description: str(d, 'Description'),
          Name: str(d, 'Name'),
          Arguments: decodeArgumentDefinitions(d['Arguments']),
          Locations: strings(d, 'Locations'),
          IsRepeatable: bool(d, 'IsRepeatable'),
        }
      );
    }),
    Definitions: decodeDefinitions(o['Definitions']),
    Extensions: decodeDefinitions(o['Extensions']),
  };
}
