import type {
  Argument,
  ArgumentDefinition,
  ChildValue,
  Definition,
  DefinitionKind,
  Directive,
  DirectiveDefinition,
  EnumValueDefinition,
  Field,
  FieldDefinition,
  FragmentDefinition,
  GqlType,
  GqlValue,
  OperationDefinition,
  OperationTypeDefinition,
  QueryDocument,
  SchemaDefinition,
  SchemaDocument,
  Selection,
  VariableDefinition,
} from './ast.ts';
import { ValueKind } from './ast.ts';
import type { Position, Token, TokenKind } from './lexer.ts';
import { GraphqlError, Lexer, describeToken, goQuote } from './lexer.ts';

/**
 * Recursive-descent parser following gqlparser's grammar decisions and messages (`Expected Name,
 * found <EOF>`, `expected at least one definition, found }`, ...). gqlparser keeps only its first
 * error and stops consuming input after it, so throwing at the first error is equivalent.
 */

const DIRECTIVE_LOCATIONS = new Set([
  'QUERY',
  'MUTATION',
  'SUBSCRIPTION',
  'FIELD',
  'FRAGMENT_DEFINITION',
  'FRAGMENT_SPREAD',
  'INLINE_FRAGMENT',
  'VARIABLE_DEFINITION',
  'SCHEMA',
  'SCALAR',
  'OBJECT',
  'FIELD_DEFINITION',
  'ARGUMENT_DEFINITION',
  'INTERFACE',
  'UNION',
  'ENUM',
  'ENUM_VALUE',
  'INPUT_OBJECT',
  'INPUT_FIELD_DEFINITION',
]);

class Parser {
  private readonly lexer: Lexer;
  private peeked: { token: Token; error?: GraphqlError } | undefined;
  private prev: Token = { kind: '<EOF>', value: '', line: 1, column: 1 };

  constructor(input: string) {
    this.lexer = new Lexer(input);
  }

  peek(): Token {
    this.peeked ??= this.lexer.next();
    return this.peeked.token;
  }

  position(): Position {
    const { line, column } = this.peek();
    return { line, column };
  }

  next(): Token {
    const { token, error } = this.peeked ?? this.lexer.next();
    this.peeked = undefined;
    if (error) throw error;
    this.prev = token;
    return token;
  }

  fail(token: Token, message: string): never {
    throw new GraphqlError(message, { line: token.line, column: token.column });
  }

  unexpected(token: Token = this.peek()): never {
    this.fail(token, `Unexpected ${describeToken(token)}`);
  }

  previous(): Token {
    return this.prev;
  }

  expect(kind: TokenKind): Token {
    const token = this.peek();
    if (token.kind === kind) return this.next();
    this.fail(token, `Expected ${kind}, found ${token.kind}`);
  }

  expectKeyword(value: string): Token {
    const token = this.peek();
    if (token.kind === 'Name' && token.value === value) return this.next();
    this.fail(token, `Expected ${goQuote(value)}, found ${describeToken(token)}`);
  }

  skip(kind: TokenKind): boolean {
    if (this.peek().kind !== kind) return false;
    this.next();
    return true;
  }

  /** Optional `start item* end`. */
  many<T>(start: TokenKind, end: TokenKind, item: () => T): T[] | undefined {
    if (!this.skip(start)) return undefined;
    const items: T[] = [];
    while (this.peek().kind !== end) items.push(item());
    this.next();
    return items;
  }

  /** Optional `start item+ end`, with gqlparser's lower-case message for an empty list. */
  some<T>(start: TokenKind, end: TokenKind, item: () => T): T[] | undefined {
    if (!this.skip(start)) return undefined;
    const items: T[] = [];
    while (this.peek().kind !== end) items.push(item());
    if (items.length === 0) this.fail(this.peek(), `expected at least one definition, found ${this.peek().kind}`);
    this.next();
    return items;
  }

  name(): string {
    return this.expect('Name').value;
  }

  // ---- shared by both documents ----

  operationType(): string {
    const token = this.next();
    if (token.value === 'query' || token.value === 'mutation' || token.value === 'subscription') return token.value;
    this.unexpected(token);
  }

  typeReference(): GqlType {
    let type: GqlType;
    if (this.skip('[')) {
      const Position = this.position();
      const elem = this.typeReference();
      this.expect(']');
      type = { NamedType: '', Elem: elem, NonNull: false, Position };
    } else {
      const Position = this.position();
      type = { NamedType: this.name(), NonNull: false, Position };
    }
    if (this.skip('!')) type.NonNull = true;
    return type;
  }

  value(isConst: boolean): GqlValue {
    const token = this.peek();
    const Position = { line: token.line, column: token.column };
    let kind: ValueKind;
    switch (token.kind) {
      case '[': {
        const children = this.many('[', ']', (): ChildValue => ({ Name: '', Value: this.value(isConst) }));
        return { Raw: '', Children: children, Kind: ValueKind.List, ExpectedTypeHasDefault: false, Position };
      }
      case '{': {
        const children = this.many('{', '}', (): ChildValue => {
          const childPosition = this.position();
          const name = this.name();
          this.expect(':');
          return { Name: name, Value: this.value(isConst), Position: childPosition };
        });
        return { Raw: '', Children: children, Kind: ValueKind.Object, ExpectedTypeHasDefault: false, Position };
      }
      case '$':
        if (isConst) this.unexpected();
        this.expect('$');
        return { Raw: this.name(), Kind: ValueKind.Variable, ExpectedTypeHasDefault: false, Position };
      case 'Int':
        kind = ValueKind.Int;
        break;
      case 'Float':
        kind = ValueKind.Float;
        break;
      case 'String':
        kind = ValueKind.String;
        break;
      case 'BlockString':
        kind = ValueKind.Block;
        break;
      case 'Name':
        kind = token.value === 'true' || token.value === 'false' ? ValueKind.Boolean : token.value === 'null' ? ValueKind.Null : ValueKind.Enum;
        break;
      default:
        this.unexpected();
    }
    this.next();
    return { Raw: token.value, Kind: kind, ExpectedTypeHasDefault: false, Position };
  }

  arguments(isConst: boolean): Argument[] | undefined {
    return this.many('(', ')', () => {
      const Position = this.position();
      const name = this.name();
      this.expect(':');
      return { Name: name, Value: this.value(isConst), Position };
    });
  }

  directives(isConst: boolean): Directive[] | undefined {
    const directives: Directive[] = [];
    while (this.peek().kind === '@') {
      this.expect('@');
      const Position = this.position();
      const name = this.name();
      directives.push({ Name: name, Arguments: this.arguments(isConst), Location: '', Position });
    }
    return directives.length > 0 ? directives : undefined;
  }

  // ---- query documents ----

  queryDocument(): QueryDocument {
    const document: Required<QueryDocument> = { Operations: [], Fragments: [] };
    while (this.peek().kind !== '<EOF>') {
      const token = this.peek();
      if (token.kind === '{' || (token.kind === 'Name' && ['query', 'mutation', 'subscription'].includes(token.value))) {
        document.Operations.push(this.operationDefinition());
      } else if (token.kind === 'Name' && token.value === 'fragment') {
        document.Fragments.push(this.fragmentDefinition());
      } else {
        this.unexpected();
      }
    }
    return document;
  }

  operationDefinition(): OperationDefinition {
    const Position = this.position();
    if (this.peek().kind === '{') {
      return { Operation: 'query', Name: '', SelectionSet: this.requiredSelectionSet(), Position };
    }
    const operation = this.operationType();
    const name = this.peek().kind === 'Name' ? this.next().value : '';
    return {
      Operation: operation,
      Name: name,
      VariableDefinitions: this.variableDefinitions(),
      Directives: this.directives(false),
      SelectionSet: this.requiredSelectionSet(),
      Position,
    };
  }

  variableDefinitions(): VariableDefinition[] | undefined {
    return this.many('(', ')', () => {
      const Position = this.position();
      this.expect('$');
      const variable = this.name();
      this.expect(':');
      const type = this.typeReference();
      const defaultValue = this.skip('=') ? this.value(true) : undefined;
      return { Variable: variable, Type: type, DefaultValue: defaultValue, Directives: this.directives(false), Used: false, Position };
    });
  }

  requiredSelectionSet(): Selection[] | undefined {
    if (this.peek().kind !== '{') this.fail(this.peek(), `Expected {, found ${this.peek().kind}`);
    return this.some('{', '}', () => this.selection());
  }

  selection(): Selection {
    if (this.peek().kind === '...') return this.fragment();
    const Position = this.position();
    const alias = this.name();
    const name = this.skip(':') ? this.name() : alias;
    const field: Field = { Alias: alias, Name: name, Arguments: this.arguments(false), Directives: this.directives(false), Position };
    if (this.peek().kind === '{') field.SelectionSet = this.some('{', '}', () => this.selection());
    return field;
  }

  fragment(): Selection {
    this.expect('...');
    const token = this.peek();
    if (token.kind === 'Name' && token.value !== 'on') {
      const Position = this.position();
      return { Name: this.fragmentName(), Directives: this.directives(false), Position };
    }
    const Position = this.position();
    let typeCondition = '';
    if (this.peek().value === 'on') {
      this.next();
      typeCondition = this.name();
    }
    return { TypeCondition: typeCondition, Directives: this.directives(false), SelectionSet: this.requiredSelectionSet(), Position };
  }

  fragmentDefinition(): FragmentDefinition {
    const Position = this.position();
    this.expectKeyword('fragment');
    const name = this.fragmentName();
    const variables = this.variableDefinitions();
    this.expectKeyword('on');
    return {
      Name: name,
      VariableDefinition: variables,
      TypeCondition: this.name(),
      Directives: this.directives(false),
      SelectionSet: this.requiredSelectionSet(),
      Position,
    };
  }

  fragmentName(): string {
    if (this.peek().value === 'on') this.unexpected();
    return this.name();
  }

  // ---- schema documents ----

  schemaDocument(): SchemaDocument {
    const document: Required<SchemaDocument> = { Schema: [], SchemaExtension: [], Directives: [], Definitions: [], Extensions: [] };
    while (this.peek().kind !== '<EOF>') {
      const description = this.description();
      const token = this.peek();
      if (token.kind !== 'Name') this.unexpected();
      switch (token.value) {
        case 'scalar':
        case 'type':
        case 'interface':
        case 'union':
        case 'enum':
        case 'input':
          document.Definitions.push(this.typeDefinition(description, false));
          break;
        case 'schema':
          this.expectKeyword('schema');
          document.Schema.push(this.schemaDefinition(description));
          break;
        case 'directive':
          document.Directives.push(this.directiveDefinition(description));
          break;
        case 'extend':
          // gqlparser reports a description before `extend` at the description itself.
          if (description !== '') this.unexpected(this.previous());
          this.typeSystemExtension(document);
          break;
        default:
          this.unexpected();
      }
    }
    return document;
  }

  description(): string {
    const kind = this.peek().kind;
    return kind === 'String' || kind === 'BlockString' ? this.next().value : '';
  }

  schemaDefinition(description: string): SchemaDefinition {
    const Position = this.position();
    const directives = this.directives(true);
    const operationTypes = this.some('{', '}', (): OperationTypeDefinition => {
      const position = this.position();
      const operation = this.operationType();
      this.expect(':');
      return { Operation: operation, Type: this.name(), Position: position };
    });
    return { Description: description, Directives: directives, OperationTypes: operationTypes, Position };
  }

  typeDefinition(description: string, extension: boolean): Definition {
    const keyword = this.next().value;
    const Position = this.position();
    const Name = this.name();
    const base = { Description: description, Name, BuiltIn: false, Position };
    switch (keyword) {
      case 'scalar': {
        const definition: Definition = { Kind: 'SCALAR', ...base, Directives: this.directives(true) };
        if (extension && !definition.Directives) this.unexpected();
        return definition;
      }
      case 'type':
      case 'interface': {
        const Kind: DefinitionKind = keyword === 'type' ? 'OBJECT' : 'INTERFACE';
        // gqlparser's interface extensions take no `implements` clause.
        const Interfaces = extension && Kind === 'INTERFACE' ? undefined : this.implementsInterfaces();
        const Directives = this.directives(true);
        const Fields = this.some('{', '}', () => this.fieldDefinition());
        if (extension && !Interfaces && !Directives && !Fields) this.unexpected();
        return { Kind, ...base, Directives, Interfaces, Fields };
      }
      case 'union': {
        const Directives = this.directives(true);
        const Types = this.unionMembers();
        if (extension && !Directives && !Types) this.unexpected();
        return { Kind: 'UNION', ...base, Directives, Types };
      }
      case 'enum': {
        const Directives = this.directives(true);
        const EnumValues = this.some('{', '}', (): EnumValueDefinition => {
          const position = this.position();
          return { Description: this.description(), Name: this.name(), Directives: this.directives(true), Position: position };
        });
        if (extension && !Directives && !EnumValues) this.unexpected();
        return { Kind: 'ENUM', ...base, Directives, EnumValues };
      }
      default: {
        // gqlparser parses input extension directives as non-constant.
        const Directives = this.directives(!extension);
        const Fields = this.some('{', '}', () => this.inputValueDefinition());
        if (extension && !Directives && !Fields) this.unexpected();
        return { Kind: 'INPUT_OBJECT', ...base, Directives, Fields };
      }
    }
  }

  implementsInterfaces(): string[] | undefined {
    if (this.peek().value !== 'implements') return undefined;
    this.next();
    this.skip('&');
    const types = [this.name()];
    while (this.skip('&')) types.push(this.name());
    return types;
  }

  unionMembers(): string[] | undefined {
    if (!this.skip('=')) return undefined;
    this.skip('|');
    const types = [this.name()];
    while (this.skip('|')) types.push(this.name());
    return types;
  }

  fieldDefinition(): FieldDefinition {
    const Position = this.position();
    const Description = this.description();
    const Name = this.name();
    const Arguments = this.argumentDefinitions();
    this.expect(':');
    return { Description, Name, Arguments, Type: this.typeReference(), Directives: this.directives(true), Position };
  }

  argumentDefinitions(): ArgumentDefinition[] | undefined {
    return this.some('(', ')', () => this.inputValueDefinition());
  }

  inputValueDefinition(): ArgumentDefinition {
    const Position = this.position();
    const Description = this.description();
    const Name = this.name();
    this.expect(':');
    const Type = this.typeReference();
    const DefaultValue = this.skip('=') ? this.value(true) : undefined;
    return { Description, Name, DefaultValue, Type, Directives: this.directives(true), Position };
  }

  typeSystemExtension(document: Required<SchemaDocument>): void {
    this.expectKeyword('extend');
    const keyword = this.peek().value;
    if (keyword === 'schema') {
      this.expectKeyword('schema');
      const Position = this.position();
      const Directives = this.directives(true);
      const OperationTypes = this.some('{', '}', (): OperationTypeDefinition => {
        const position = this.position();
        const operation = this.operationType();
        this.expect(':');
        return { Operation: operation, Type: this.name(), Position: position };
      });
      if (!Directives && !OperationTypes) this.unexpected();
      document.SchemaExtension.push({ Description: '', Directives, OperationTypes, Position });
    } else if (['scalar', 'type', 'interface', 'union', 'enum', 'input'].includes(keyword)) {
      document.Extensions.push(this.typeDefinition('', true));
    } else {
      this.unexpected();
    }
  }

  directiveDefinition(description: string): DirectiveDefinition {
    this.expectKeyword('directive');
    this.expect('@');
    const Position = this.position();
    const Name = this.name();
    const Arguments = this.argumentDefinitions();
    let IsRepeatable = false;
    if (this.peek().kind === 'Name' && this.peek().value === 'repeatable') {
      IsRepeatable = true;
      this.next();
    }
    this.expectKeyword('on');
    this.skip('|');
    const Locations = [this.directiveLocation()];
    while (this.skip('|')) Locations.push(this.directiveLocation());
    return { Description: description, Name, Arguments, Locations, IsRepeatable, Position };
  }

  directiveLocation(): string {
    const token = this.expect('Name');
    if (!DIRECTIVE_LOCATIONS.has(token.value)) this.unexpected(token);
    return token.value;
  }
}

export function parseQueryDocument(text: string): QueryDocument {
  return new Parser(text).queryDocument();
}

export function parseSchemaDocument(text: string): SchemaDocument {
  return new Parser(text).schemaDocument();
}
