import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ownValue } from '../own.ts';
import { WardenError } from '../errors.ts';
import { JsonTextError, parseJsonText } from '../json-text.ts';

/**
 * Data documents (data.json / data.yaml) as OPA loads them: each is mounted at the path of its
 * directory below the configured root, and documents may only meet in objects. Errors name the
 * file and line so that a broken edit is easy to find in the reload log.
 */
export type DataDocument = Record<string, unknown>;

const DATA_EXTENSIONS = ['.json', '.yaml', '.yml'] as const;

export function isDataFile(name: string): boolean {
  return DATA_EXTENSIONS.some((ext) => name.endsWith(ext));
}

/** Parses a JSON (by extension) or YAML document; errors name `name:line:column`. */
export function parseDocumentText(name: string, text: string, format: 'json' | 'yaml' = name.endsWith('.json') ? 'json' : 'yaml'): unknown {
  if (format === 'json') {
    try {
      // Plain JSON, as opa loads data documents: a comment is an error here (unlike the config).
      return parseJsonText(text, { comments: false });
    } catch (error) {
      if (!(error instanceof JsonTextError)) throw error;
      throw new WardenError('POLICY_LOAD_FAILED', `${name}:${error.line}:${error.column}: invalid JSON: ${error.reason}`, { cause: error });
    }
  }
  try {
    return parseYaml(text);
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
    const pos = error.linePos?.[0];
    if (error.code === 'MULTIPLE_DOCS') {
      // A data document is one value; several (`---`) would each need a place under data.
      throw new WardenError('POLICY_LOAD_FAILED', `${name}:${pos?.line ?? 1}: holds several YAML documents (separated by ---); a data document must be a single document (split it into files, one per directory)`, { cause: error });
    }
    const where = pos === undefined ? name : `${name}:${pos.line}:${pos.col}`;
    throw new WardenError('POLICY_LOAD_FAILED', `${where}: invalid YAML: ${error.message.split('\n')[0]}`, { cause: error });
  }
}

function isObject(value: unknown): value is DataDocument {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeInto(target: DataDocument, source: DataDocument, name: string, path: string[]): void {
  for (const [key, value] of Object.entries(source)) {
    // Own keys only, defined rather than assigned: a `__proto__` key is data, not the prototype.
    const existing = ownValue(target, key);
    if (existing === undefined) Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    else if (isObject(existing) && isObject(value)) mergeInto(existing, value, name, [...path, key]);
    else throw new WardenError('POLICY_LOAD_FAILED', `${name}: data.${[...path, key].join('.')} is already defined by another document`);
  }
}

/** Parses one document and merges it into `root` under `prefix`; the root document must be an object. */
export function mountDataDocument(root: DataDocument, name: string, prefix: readonly string[], text: string): void {
  const value = parseDocumentText(name, text);
  if (prefix.length === 0 && !isObject(value)) {
    throw new WardenError('POLICY_LOAD_FAILED', `${name}: a data document at the root must be an object`);
  }
  const wrapped = prefix.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
  mergeInto(root, wrapped as DataDocument, name, []);
}
