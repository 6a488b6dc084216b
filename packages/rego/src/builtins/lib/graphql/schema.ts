import type {
  ArgumentDefinition,
  Definition,
  DefinitionKind,
  Directive,
  DirectiveDefinition,
  FieldDefinition,
  GqlType,
  SchemaDocument,
} from './ast.ts';
import type { Position } from './lexer.ts';
import { GraphqlError, goQuote } from './lexer.ts';
import { parseSchemaDocument } from './parser.ts';
import { PRELUDE } from './prelude.ts';

/**
 * A validated schema, built as gqlparser's ValidateSchemaDocument builds it from the prelude merged
 * with the user's document: extensions folded into their types (creating the type when it does not
 * exist), root operation types resolved, and the first rule violation thrown.
 */
export interface Schema {
  readonly types: Map<string, Definition>;
  readonly directives: Map<string, DirectiveDefinition>;
  readonly possibleTypes: Map<string, Definition[]>;
  query?: Definition;
  mutation?: Definition;
  subscription?: Definition;
}

export function typeName(type: GqlType): string {
  return type.NamedType !== '' || !type.Elem ? type.NamedType : typeName(type.Elem);
}

export function typeString(type: GqlType): string {
  const bang = type.NonNull ? '!' : '';
  return type.NamedType !== '' || !type.Elem ? type.NamedType + bang : `[${typeString(type.Elem)}]${bang}`;
}

function fail(position: Position | undefined, message: string): never {
  throw new GraphqlError(message, position);
}

let prelude: SchemaDocument | undefined;

function preludeDocument(): SchemaDocument {
  if (!prelude) {
    prelude = parseSchemaDocument(PRELUDE);
    for (const definition of prelude.Definitions ?? []) definition.BuiltIn = true;
  }
  return prelude;
}

/** Copies a definition so folding extensions into it leaves the caller's document untouched. */
function copy(definition: Definition): Definition {
  return {
    ...definition,
    Directives: [...(definition.Directives ?? [])],
    Interfaces: [...(definition.Interfaces ?? [])],
    Fields: [...(definition.Fields ?? [])],
    Types: [...(definition.Types ?? [])],
    EnumValues: [...(definition.EnumValues ?? [])],
  };
}

const BUILTIN_DIRECTIVES = new Set(['include', 'skip', 'deprecated', 'specifiedBy']);

export function buildSchema(document: SchemaDocument): Schema {
  const base = preludeDocument();
  const merged: Required<SchemaDocument> = {
    Schema: [...(base.Schema ?? []), ...(document.Schema ?? [])],
    SchemaExtension: [...(base.SchemaExtension ?? []), ...(document.SchemaExtension ?? [])],
    Directives: [...(base.Directives ?? []), ...(document.Directives ?? [])],
    Definitions: [...(base.Definitions ?? []), ...(document.Definitions ?? [])],
    Extensions: [...(base.Extensions ?? []), ...(document.Extensions ?? [])],
  };
  const schema: Schema = { types: new Map(), directives: new Map(), possibleTypes: new Map() };

  const definitions: Definition[] = [];
  for (const original of merged.Definitions) {
    if (schema.types.has(original.Name)) fail(original.Position, `Cannot redeclare type ${original.Name}.`);
    const definition = copy(original);
    schema.types.set(definition.Name, definition);
    definitions.push(definition);
  }
  for (const extension of merged.Extensions) {
    let definition = schema.types.get(extension.Name);
    if (!definition) {
      definition = copy({ Kind: extension.Kind, Description: '', Name: extension.Name, BuiltIn: false, Position: extension.Position });
      schema.types.set(extension.Name, definition);
      definitions.push(definition);
    }
    if (definition.Kind !== extension.Kind) {
      fail(extension.Position, `Cannot extend type ${extension.Name} because the base type is a ${definition.Kind}, not ${extension.Kind}.`);
    }
    definition.Directives!.push(...(extension.Directives ?? []));
    definition.Interfaces!.push(...(extension.Interfaces ?? []));
    definition.Fields!.push(...(extension.Fields ?? []));
    definition.Types!.push(...(extension.Types ?? []));
    definition.EnumValues!.push(...(extension.EnumValues ?? []));
  }

  const addPossible = (name: string, definition: Definition | undefined) => {
    const list = schema.possibleTypes.get(name) ?? [];
    if (definition) list.push(definition);
    schema.possibleTypes.set(name, list);
  };
  for (const definition of definitions) {
    if (definition.Kind === 'UNION') {
      for (const member of definition.Types!) addPossible(definition.Name, schema.types.get(member));
    } else if (definition.Kind === 'OBJECT' || definition.Kind === 'INPUT_OBJECT' || definition.Kind === 'INTERFACE') {
      for (const name of definition.Interfaces!) addPossible(name, definition);
      if (definition.Kind !== 'INTERFACE') addPossible(definition.Name, definition);
    }
  }

  for (const directive of merged.Directives) {
    if (schema.directives.has(directive.Name)) {
      // Re-declaring a built-in directive is allowed; the first declaration wins.
      if (!BUILTIN_DIRECTIVES.has(directive.Name)) fail(directive.Position, `Cannot redeclare directive ${directive.Name}.`);
      continue;
    }
    schema.directives.set(directive.Name, directive);
  }

  if (merged.Schema.length > 1) {
    fail(merged.Schema[1]!.Position, 'Cannot have multiple schema entry points, consider schema extensions instead.');
  }
  for (const definition of [...merged.Schema, ...merged.SchemaExtension]) {
    for (const entry of definition.OperationTypes ?? []) {
      const root = schema.types.get(entry.Type);
      if (!root) fail(entry.Position, `Schema root ${entry.Operation} refers to a type ${entry.Type} that does not exist.`);
      if (entry.Operation === 'query') schema.query = root;
      else if (entry.Operation === 'mutation') schema.mutation = root;
      else if (entry.Operation === 'subscription') schema.subscription = root;
    }
  }

  for (const name of [...schema.types.keys()].sort()) validateDefinition(schema, schema.types.get(name)!);
  for (const name of [...schema.directives.keys()].sort()) {
    const directive = schema.directives.get(name)!;
    validateName(directive.Position, directive.Name);
    validateArguments(schema, directive.Arguments, directive);
  }

  if (merged.Schema.length === 0) {
    schema.query ??= schema.types.get('Query');
    schema.mutation ??= schema.types.get('Mutation');
    schema.subscription ??= schema.types.get('Subscription');
  }
  if (schema.query) {
    schema.query.Fields!.push(
      { Description: '', Name: '__schema', Type: { NamedType: '__Schema', NonNull: true } },
      {
        Description: '',
        Name: '__type',
        Type: { NamedType: '__Type', NonNull: false },
        Arguments: [{ Description: '', Name: 'name', Type: { NamedType: 'String', NonNull: true } }],
      },
    );
  }
  return schema;
}

const isKind = (kind: DefinitionKind, ...kinds: DefinitionKind[]) => kinds.includes(kind);
export const isInputType = (definition: Definition) => isKind(definition.Kind, 'SCALAR', 'ENUM', 'INPUT_OBJECT');

function validateName(position: Position | undefined, name: string): void {
  if (name.startsWith('__')) fail(position, `Name "${name}" must not begin with "__", which is reserved by GraphQL introspection.`);
}

function validateTypeReference(schema: Schema, type: GqlType): void {
  if (!schema.types.has(typeName(type))) fail(type.Position, `Undefined type ${typeName(type)}.`);
}

function validateArguments(schema: Schema, args: ArgumentDefinition[] | undefined, current: DirectiveDefinition | undefined): void {
  for (const arg of args ?? []) {
    validateName(arg.Position, arg.Name);
    validateTypeReference(schema, arg.Type);
    const definition = schema.types.get(typeName(arg.Type))!;
    if (!isInputType(definition)) {
      fail(arg.Position, `cannot use ${typeString(arg.Type)} as argument ${arg.Name} because ${definition.Kind} is not a valid input type`);
    }
    validateDirectives(schema, arg.Directives, 'ARGUMENT_DEFINITION', current);
  }
}

function validateDirectives(schema: Schema, directives: Directive[] | undefined, location: string, current: DirectiveDefinition | undefined): void {
  for (const directive of directives ?? []) {
    validateName(directive.Position, directive.Name);
    if (current && directive.Name === current.Name) fail(directive.Position, `Directive ${current.Name} cannot refer to itself.`);
    const definition = schema.directives.get(directive.Name);
    if (!definition) fail(directive.Position, `Undefined directive ${directive.Name}.`);
    if (!(definition.Locations ?? []).includes(location)) fail(directive.Position, `Directive ${directive.Name} is not applicable on ${location}.`);
  }
}

function validateDefinition(schema: Schema, definition: Definition): void {
  const fields = definition.Fields!;
  for (const field of fields) {
    validateName(field.Position, field.Name);
    validateTypeReference(schema, field.Type);
    validateArguments(schema, field.Arguments, undefined);
    const location = definition.Kind === 'INPUT_OBJECT' ? 'INPUT_FIELD_DEFINITION' : 'FIELD_DEFINITION';
    validateDirectives(schema, field.Directives, location, undefined);
  }
  for (const member of definition.Types!) {
    const memberDefinition = schema.types.get(member);
    if (!memberDefinition) fail(definition.Position, `Undefined type ${goQuote(member)}.`);
    if (memberDefinition.Kind !== 'OBJECT') fail(definition.Position, `${definition.Kind} type ${goQuote(member)} must be OBJECT.`);
  }
  for (const name of definition.Interfaces!) validateImplements(schema, definition, name);

  switch (definition.Kind) {
    case 'OBJECT':
    case 'INTERFACE':
      if (fields.length === 0) fail(definition.Position, `${definition.Kind} ${definition.Name}: must define one or more fields.`);
      for (const field of fields) {
        const type = schema.types.get(typeName(field.Type));
        if (type && !isKind(type.Kind, 'SCALAR', 'OBJECT', 'INTERFACE', 'UNION', 'ENUM')) {
          fail(field.Position, `${definition.Kind} ${definition.Name}: field must be one of SCALAR, OBJECT, INTERFACE, UNION, ENUM.`);
        }
      }
      break;
    case 'ENUM':
      if (definition.EnumValues!.length === 0) fail(definition.Position, `ENUM ${definition.Name}: must define one or more unique enum values.`);
      for (const value of definition.EnumValues!) {
        if (['true', 'false', 'null'].includes(value.Name)) fail(definition.Position, `ENUM ${definition.Name}: non-enum value ${value.Name}.`);
      }
      break;
    case 'INPUT_OBJECT':
      if (fields.length === 0) fail(definition.Position, `INPUT_OBJECT ${definition.Name}: must define one or more input fields.`);
      for (const field of fields) {
        const type = schema.types.get(typeName(field.Type));
        if (type && !isInputType(type)) fail(field.Position, `${type.Kind} ${field.Name}: field must be one of SCALAR, ENUM, INPUT_OBJECT.`);
      }
      break;
    default:
      break;
  }

  fields.forEach((field, index) => {
    const duplicate = fields.slice(index + 1).find((other) => other.Name === field.Name);
    if (duplicate) fail(duplicate.Position, `Field ${definition.Name}.${duplicate.Name} can only be defined once.`);
  });
  if (!definition.BuiltIn) validateName(definition.Position, definition.Name);
  validateDirectives(schema, definition.Directives, definition.Kind, undefined);
}

function fieldNamed(fields: readonly FieldDefinition[] | undefined, name: string): FieldDefinition | undefined {
  return fields?.find((field) => field.Name === name);
}

function isCovariant(schema: Schema, required: GqlType, actual: GqlType | undefined): boolean {
  if (!actual) return false;
  if (required.NonNull && !actual.NonNull) return false;
  if (required.NamedType !== '') {
    if (required.NamedType === actual.NamedType) return true;
    return (schema.possibleTypes.get(required.NamedType) ?? []).some((possible) => possible.Name === actual.NamedType);
  }
  if (required.Elem && !actual.Elem) return false;
  return required.Elem ? isCovariant(schema, required.Elem, actual.Elem) : false;
}

/** gqlparser's Type.IsCompatible: same named type and list shape, non-null only where required. */
export function isCompatible(required: GqlType, other: GqlType | undefined): boolean {
  if (!other || required.NamedType !== other.NamedType) return false;
  if (required.Elem && (!other.Elem || !isCompatible(required.Elem, other.Elem))) return false;
  return other.NonNull ? required.NonNull : true;
}

function validateImplements(schema: Schema, definition: Definition, interfaceName: string): void {
  const intf = schema.types.get(interfaceName);
  if (!intf) fail(definition.Position, `Undefined type ${goQuote(interfaceName)}.`);
  if (intf.Kind !== 'INTERFACE') fail(definition.Position, `${goQuote(interfaceName)} is a non interface type ${intf.Kind}.`);
  const prefix = `For ${definition.Name} to implement ${intf.Name}`;
  for (const required of intf.Fields ?? []) {
    const found = fieldNamed(definition.Fields, required.Name);
    if (!found) fail(definition.Position, `${prefix} it must have a field called ${required.Name}.`);
    if (!isCovariant(schema, required.Type, found.Type)) {
      fail(found.Position, `${prefix} the field ${required.Name} must have type ${typeString(required.Type)}.`);
    }
    for (const requiredArg of required.Arguments ?? []) {
      const foundArg = found.Arguments?.find((arg) => arg.Name === requiredArg.Name);
      if (!foundArg) fail(found.Position, `${prefix} the field ${required.Name} must have the same arguments but it is missing ${requiredArg.Name}.`);
      if (!isCompatible(requiredArg.Type, foundArg.Type)) {
        fail(foundArg.Position, `${prefix} the field ${required.Name} must have the same arguments but ${requiredArg.Name} has the wrong type.`);
      }
    }
    for (const arg of found.Arguments ?? []) {
      if (!required.Arguments?.some((r) => r.Name === arg.Name) && arg.Type.NonNull && !arg.DefaultValue) {
        fail(arg.Position, `${prefix} any additional arguments on ${found.Name} must be optional or have a default value but ${arg.Name} is required.`);
      }
    }
  }
  for (const transitive of intf.Interfaces ?? []) {
    if (definition.Interfaces!.includes(transitive)) continue;
    if (transitive === definition.Name) {
      fail(definition.Position, `Type ${definition.Name} cannot implement ${interfaceName} because it would create a circular reference.`);
    }
    fail(definition.Position, `Type ${definition.Name} must implement ${transitive} because it is implemented by ${interfaceName}.`);
  }
}
