import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
// CommonJS packages: their `default` export is the class / plugin.
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { RE2JS, RE2JSException } from 're2js';

/**
 * JSON Schema validators by draft, for json.verify_schema / json.match_schema. OPA's validator
 * (gojsonschema) knows drafts 04, 06 and 07 and reads any other `$schema` in a "hybrid" mode that
 * ignores keywords it does not know; we validate 2019-09 and 2020-12 schemas by their own draft
 * (ajv's 2019 and 2020 classes), so a keyword such as `prefixItems` is enforced, never ignored:
 * stricter than OPA, never laxer. A schema without `$schema`, or with one we do not know, is read
 * as draft-07 (its `$schema` set aside, as hybrid mode does).
 *
 * Like gojsonschema: formats are checked, `pattern` uses RE2 (Go's regexp: linear time, so a
 * schema from input cannot hang the gateway) and no remote `$ref` is ever fetched.
 */

export type Draft = 'draft-04' | 'draft-06' | 'draft-07' | '2019-09' | '2020-12';

/** `$schema` URLs as written in the wild, without the trailing `#` (normalised before lookup). */
const DRAFTS = new Map<string, Draft>([
  ['http://json-schema.org/draft-04/schema', 'draft-04'],
  ['http://json-schema.org/draft-06/schema', 'draft-06'],
  ['http://json-schema.org/draft-07/schema', 'draft-07'],
  ['https://json-schema.org/draft/2019-09/schema', '2019-09'],
  ['https://json-schema.org/draft/2020-12/schema', '2020-12'],
]);

/** ajv's regExp seam: RE2 patterns behind the RegExp-like interface ajv calls (`test`). */
function re2(pattern: string): { test: (text: string) => boolean } {
  const compiled = RE2JS.compile(pattern);
  return { test: (text: string) => compiled.matcher(text).find() };
}
re2.code = 'RE2JS';

const OPTIONS: Options = {
  allErrors: true,
  verbose: true,
  strict: false,
  logger: false,
  // Never fetched: a `$ref` to another document must be resolvable within the schema.
  loadSchema: undefined,
  code: { regExp: re2 as unknown as NonNullable<Options['code']>['regExp'] },
};

function withFormats<T extends Ajv>(ajv: T): T {
  ajvFormats.default(ajv);
  return ajv;
}

const validators: Record<Draft, Ajv> = (() => {
  const draft07 = withFormats(new Ajv(OPTIONS));
  draft07.addMetaSchema(draft06);
  return {
    'draft-04': withFormats(new ajvDraft04.default(OPTIONS)),
    'draft-06': draft07,
    'draft-07': draft07,
    '2019-09': withFormats(new Ajv2019(OPTIONS)),
    '2020-12': withFormats(new Ajv2020(OPTIONS)),
  };
})();

export interface CompiledSchema {
  readonly draft: Draft;
  readonly validate: ValidateFunction;
}

export class SchemaCompileError extends Error {
  override readonly name = 'SchemaCompileError';
  constructor(
    message: string,
    /** ajv's meta-schema errors, when the schema broke its draft's rules. */
    readonly metaErrors: readonly ErrorObject[] = [],
  ) {
    super(message);
  }
}

/** The draft a schema declares; undefined for none or an unknown one (read as draft-07). */
function draftOf(schema: unknown): Draft | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const declared = (schema as Record<string, unknown>).$schema;
  return typeof declared === 'string' ? DRAFTS.get(declared.replace(/#$/, '')) : undefined;
}

/** Compiled schemas by canonical text; policies reuse a handful of schemas, so a small bound suffices. */
const cache = new Map<string, CompiledSchema>();
const CACHE_LIMIT = 64;

export function compileSchema(text: string, schema: unknown): CompiledSchema {
  const cached = cache.get(text);
  if (cached) return cached;
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    throw new SchemaCompileError('schema is invalid');
  }
  const declared = draftOf(schema);
  const draft = declared ?? 'draft-07';
  let root = schema;
  if (declared === undefined && typeof schema === 'object' && schema !== null && '$schema' in schema) {
    const { $schema: _unknown, ...rest } = schema as Record<string, unknown>;
    root = rest;
  }
  const ajv = validators[draft];
  if (typeof root !== 'boolean' && !ajv.validateSchema(root as object)) {
    throw new SchemaCompileError(ajv.errorsText(ajv.errors, { dataVar: 'schema' }), ajv.errors ?? []);
  }
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(root as object);
  } catch (error) {
    if (error instanceof RE2JSException) throw new SchemaCompileError('pattern must be a valid regex');
    throw new SchemaCompileError(error instanceof Error ? error.message : String(error));
  } finally {
    // ajv keeps compiled schemas by `$id`; two policies' schemas may share one, so none is kept.
    if (typeof root === 'object') ajv.removeSchema(root as object);
  }
  const compiled = { draft, validate };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(text, compiled);
  return compiled;
}
