import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ownValue } from '../own.ts';
import { WardenError } from '../errors.ts';
import { jsonErrorOffset } from './json-error-offset.ts';

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

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return `${line}:${position - before.lastIndexOf('\n')}`;
}

/** Parses a JSON (by extension) or YAML document; errors name `name:line:column`. */
export function parseDocumentText(name: string, text: string, format: 'json' | 'yaml' = name.endsWith('.json') ? 'json' : 'yaml'): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      const offset = jsonErrorOffset(text);
      const found = offset < text.length ? JSON.stringify(text[offset]) : 'end of input';
      throw new WardenError('POLICY_LOAD_FAILED', `${name}:${lineAndColumn(text, offset)}: invalid JSON: unexpected ${found}`, { cause: error });
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
