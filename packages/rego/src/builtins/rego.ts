import type { Value } from '../value.ts';
import { RegoError, builtinError } from '../errors.ts';
import { parseModule } from '../parser/module.ts';
import { tokenize } from '../parser/lexer.ts';
import type { Comment } from '../parser/lexer.ts';
import { stringArg } from './args.ts';
import { UnsupportedSyntax, moduleJson } from './lib/rego/module-json.ts';
import type { Builtin } from './types.ts';

/**
 * rego.parse_module(filename, source): the module's AST as OPA's JSON (lib/rego/module-json.ts).
 * A parse error fails the call with OPA's text: `rego.parse_module: 1 error occurred:
 * x.rego:1:13: rego_parse_error: ...`.
 */
function parse(args: Value[]): Value {
  const name = 'rego.parse_module';
  const file = stringArg(name, args, 1);
  const source = stringArg(name, args, 2);
  try {
    const module = parseModule(file, source);
    const comments: Comment[] = [];
    tokenize(file, source, 0, undefined, comments);
    return moduleJson(module, comments);
  } catch (error) {
    if (error instanceof RegoError) throw builtinError(name, `1 error occurred: ${error.message}`);
    if (error instanceof UnsupportedSyntax) throw builtinError(name, error.message);
    throw error;
  }
}

export const regoBuiltins: Builtin[] = [{ name: 'rego.parse_module', arity: 2, impl: parse }];
