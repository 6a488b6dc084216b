import type { Definition, GqlValue } from './ast.ts';
import { ValueKind, valueText } from './ast.ts';
import type { Rule } from './rules.ts';
import { typeString } from './schema.ts';
import { suggestQuoted, suggestUnquoted } from './suggest.ts';

/**
 * gqlparser's ValuesOfCorrectType rule: literal values against the type their position expects,
 * with its per-scalar wording (`Int cannot represent non-integer value: "x"`). Custom scalars accept
 * anything.
 */

const SCALARS = ['Int', 'Float', 'String', 'Boolean', 'ID'];

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function unexpectedTypeMessage(value: GqlValue, expected: string, definition: Definition): string {
  const text = valueText(value);
  switch (expected) {
    case 'Int':
    case 'Int!': {
      const n = value.Kind === ValueKind.Int ? BigInt(value.Raw) : undefined;
      if (n !== undefined && (n < -(2n ** 31n) || n > 2n ** 31n - 1n)) return `Int cannot represent non 32-bit signed integer value: ${text}`;
      return `Int cannot represent non-integer value: ${text}`;
    }
    case 'String':
    case 'String!':
    case '[String]':
      return `String cannot represent a non string value: ${text}`;
    case 'Boolean':
    case 'Boolean!':
      return `Boolean cannot represent a non boolean value: ${text}`;
    case 'Float':
    case 'Float!':
      return `Float cannot represent non numeric value: ${text}`;
    case 'ID':
    case 'ID!':
      return `ID cannot represent a non-string and non-integer value: ${text}`;
    default:
      if (definition.Kind === 'ENUM') return `Enum "${expected}" cannot represent non-enum value: ${text}.`;
      return `Expected value of type "${expected}", found ${text}.`;
  }
}

export const valuesOfCorrectType: Rule = (events, walker, report) => {
  events.value.push((value) => {
    const { definition, expectedType } = walker.values.get(value)!;
    if (!definition || !expectedType) return;
    const expected = typeString(expectedType);
    const unexpected = () => report(unexpectedTypeMessage(value, expected, definition), value.Position);
    if (value.Kind === ValueKind.Null && expectedType.NonNull) {
      report(`Expected value of type "${expected}", found ${valueText(value)}.`, value.Position);
    }
    if (definition.Kind === 'SCALAR' && !SCALARS.includes(definition.Name)) return;
    const enums = (definition.EnumValues ?? []).map((v) => v.Name);
    if (value.Kind === ValueKind.Int && (BigInt(value.Raw) < INT64_MIN || BigInt(value.Raw) > INT64_MAX)) unexpected();
    switch (value.Kind) {
      case ValueKind.List:
        if (!expectedType.Elem) unexpected();
        break;
      case ValueKind.Int:
        if (!['Int', 'Float', 'ID'].includes(definition.Name)) unexpected();
        break;
      case ValueKind.Float:
        if (definition.Name !== 'Float') unexpected();
        break;
      case ValueKind.String:
      case ValueKind.Block:
        if (definition.Kind === 'ENUM') {
          report(
            `Enum "${expected}" cannot represent non-enum value: ${valueText(value)}.${suggestQuoted('Did you mean the enum value', value.Raw, enums)}`,
            value.Position,
          );
        } else if (definition.Name !== 'String' && definition.Name !== 'ID') unexpected();
        break;
      case ValueKind.Enum:
        if (definition.Kind !== 'ENUM') {
          report(`${unexpectedTypeMessage(value, expected, definition)}${suggestUnquoted('Did you mean the enum value', value.Raw, enums)}`, value.Position);
        } else if (!enums.includes(value.Raw)) {
          report(
            `Value "${valueText(value)}" does not exist in "${expected}" enum.${suggestQuoted('Did you mean the enum value', value.Raw, enums)}`,
            value.Position,
          );
        }
        break;
      case ValueKind.Boolean:
        if (definition.Name !== 'Boolean') unexpected();
        break;
      case ValueKind.Object: {
        const children = value.Children ?? [];
        for (const field of definition.Fields ?? []) {
          if (field.Type.NonNull && !field.DefaultValue && !children.some((c) => c.Name === field.Name)) {
            report(`Field "${definition.Name}.${field.Name}" of required type "${typeString(field.Type)}" was not provided.`, value.Position);
          }
        }
        const names = (definition.Fields ?? []).map((f) => f.Name);
        for (const child of children) {
          if (names.includes(child.Name)) continue;
          report(`Field "${child.Name}" is not defined by type "${definition.Name}".${suggestQuoted('Did you mean', child.Name, names)}`, child.Position);
        }
        break;
      }
      default:
        break;
    }
  });
};
