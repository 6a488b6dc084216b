import { WardenError } from '../errors.ts';

/**
 * `${VAR}` and `${VAR:-default}` expansion in every string of a parsed JSON document (values
 * only, never keys), done before validation so the schema sees final values. `$${` escapes a
 * literal `${`. An unset variable without a default is an error naming the JSON path, because a
 * silently empty token or URL is worse than refusing to start.
 */
const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export type Env = Readonly<Record<string, string | undefined>>;

export function expandEnv(value: unknown, env: Env, file: string, path: string[] = []): unknown {
  if (typeof value === 'string') return expandString(value, env, file, path);
  if (Array.isArray(value)) return value.map((item, i) => expandEnv(item, env, file, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = expandEnv(item, env, file, [...path, key]);
    return out;
  }
  return value;
}

function expandString(text: string, env: Env, file: string, path: string[]): string {
  if (!text.includes('$')) return text;
  return text.replace(PATTERN, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const found = env[name!];
    // Shell semantics: `:-` also replaces an empty value; a plain `${VAR}` may be empty.
    if (found !== undefined && (found !== '' || fallback === undefined)) return found;
    if (fallback !== undefined) return fallback;
    throw new WardenError('CONFIG_INVALID', `${file}: ${formatPath(path)}: environment variable ${name} is not set (use \${${name}:-default} for a default)`, {
      details: { file, path: formatPath(path), variable: name },
    });
  });
}

/** `mcpServers.db.env.TOKEN`, `server.allowed_hosts[0]`: the form every config error uses. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(root)';
  return path
    .map((key, i) => {
      if (typeof key === 'number' || /^\d+$/.test(String(key))) return `[${String(key)}]`;
      const text = String(key);
      const plain = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(text);
      if (!plain) return `[${JSON.stringify(text)}]`;
      return i === 0 ? text : `.${text}`;
    })
    .join('');
}
