import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { WardenError } from '../../../src/errors.ts';
import { MAX_TIMER_MS } from '../../../src/timer-ms.ts';

const dir = mkdtempSync(join(tmpdir(), 'warden-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function write(content: unknown, name = `c${++counter}.json`): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

function configError(file: string, env: Record<string, string> = {}): WardenError {
  try {
    loadConfig(file, env);
  } catch (error) {
    expect(error).toBeInstanceOf(WardenError);
    expect((error as WardenError).code).toBe('CONFIG_INVALID');
    return error as WardenError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('config - loading', () => {
  it('resolves Claude-style stdio and remote entries, in config order, with defaults', () => {
    const file = write({
      mcpServers: {
        db: { command: 'node', args: ['db.js'], env: { A: '1' }, cwd: 'sub' },
        web: { type: 'http', url: 'http://127.0.0.1:9/mcp', headers: { 'X-Key': 'k' } },
        old: { type: 'sse', url: 'http://127.0.0.1:9/sse', timeout_ms: 5000 },
        modern: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp', disabled: false },
      },
    });
    const config = loadConfig(file, {});
    expect(config.upstreams.map((u) => [u.name, u.transport])).toEqual([
      ['db', 'stdio'], ['web', 'http'], ['old', 'sse'], ['modern', 'http'],
    ]);
    expect(config.upstreams[0]).toMatchObject({ command: 'node', args: ['db.js'], env: { A: '1' }, cwd: join(dir, 'sub'), timeoutMs: 60_000 });
    expect(config.upstreams[2]).toMatchObject({ timeoutMs: 5000 });
    expect(config.namespacing).toMatchObject({ separator: '__', strategy: 'always', description_prefix: true });
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8787, max_body_bytes: 4 * 1024 * 1024 });
    expect(Object.isFrozen(config.upstreams[0])).toBe(true);
  });

  it('reads the upstream list from a Claude Code .mcp.json named by path', () => {
    write({ mcpServers: { mem: { type: 'stdio', command: 'npx', args: ['server-memory'] } } }, 'project.mcp.json');
    const config = loadConfig(write({ mcpServers: './project.mcp.json' }), {});
    expect(config.upstreams).toEqual([
      { name: 'mem', transport: 'stdio', command: 'npx', args: ['server-memory'], env: {}, cwd: undefined, timeoutMs: 60_000, limits: { maxResultBytes: 16 * 1024 * 1024, breaker: { failures: 5, openMs: 30_000 } } },
    ]);
  });

  it('expands ${VAR} and ${VAR:-default} in values, and $${ as a literal', () => {
    const file = write({
      mcpServers: { api: { type: 'http', url: '${API_URL:-http://127.0.0.1:1/mcp}', headers: { Authorization: 'Bearer ${TOKEN}', Raw: '$${TOKEN}' } } },
    });
    const config = loadConfig(file, { TOKEN: 's3cret' });
    expect(config.upstreams[0]).toMatchObject({ url: 'http://127.0.0.1:1/mcp', headers: { Authorization: 'Bearer s3cret', Raw: '${TOKEN}' } });
  });
});

describe('config - errors name the file, the JSON path and what was expected', () => {
  it('a missing file', () => {
    expect(configError(join(dir, 'nope.json')).message).toBe(`${join(dir, 'nope.json')}: cannot read: file not found`);
  });

  it('comments are allowed (the README writes the config as jsonc); a comment left open is an error with its line', () => {
    const file = write('{\n  // one stdio upstream\n  "mcpServers": { "db": { "command": "node" /* no args */ } }\n}\n');
    expect(loadConfig(file).upstreams.map((u) => u.name)).toEqual(['db']);
    const open = write('{\n  "mcpServers": {}\n  /* never closed\n}\n');
    expect(configError(open).message).toBe(`${open}:3:3: a comment that is not closed: "/* never closed\\n}\\n"`);
  });

  it('a JSON syntax error with line and column', () => {
    const file = write('{\n  "mcpServers": {},\n}');
    expect(configError(file).message).toBe(`${file}:3:1: expected a property name in double quotes, found "}"`);
  });

  it('an unset variable without default', () => {
    const file = write({ mcpServers: { a: { command: 'x', env: { KEY: '${MISSING_KEY}' } } } });
    expect(configError(file).message).toBe(`${file}: mcpServers.a.env.KEY: environment variable MISSING_KEY is not set (use \${MISSING_KEY:-default} for a default)`);
  });

  it('a wrong type inside a server entry names exactly that field', () => {
    const file = write({ mcpServers: { db: { command: 42 } } });
    expect(configError(file).message).toBe(`${file}: mcpServers.db.command: Invalid input: expected string, received number`);
  });

  it('a delay longer than Node keeps a timer is refused naming the field (it would fire after 1 ms)', () => {
    const timers = {
      server: { shutdown_grace_ms: 0, session_idle_ms: 0 },
      upstream_defaults: { reconnect_initial_ms: 0, reconnect_max_ms: 0 },
      policy: { eval_timeout_ms: 0 },
      audit: { busy_timeout_ms: 0, checkpoint_interval_ms: 0, authn_failure_window_ms: 0 },
    };
    const fields = Object.entries(timers).flatMap(([section, keys]) => Object.keys(keys).map((key) => [section, key] as const));
    for (const [section, key] of fields) {
      const over = write({ mcpServers: {}, [section]: { [key]: MAX_TIMER_MS + 1 } });
      expect(configError(over).message).toBe(`${over}: ${section}.${key}: at most ${MAX_TIMER_MS} ms (24.8 days, the longest timer Node keeps)`);
      expect(() => loadConfig(write({ mcpServers: {}, [section]: { [key]: MAX_TIMER_MS } }), {})).not.toThrow();
    }
  });

  it('a remote entry with a bad type or url', () => {
    const file = write({ mcpServers: { web: { type: 'ws', url: 'ftp://x' } } });
    const message = configError(file).message;
    expect(message).toContain(`${file}: mcpServers.web.type: Invalid option: expected one of "sse"|"http"|"streamable-http"`);
    expect(message).toContain(`${file}: mcpServers.web.url: Invalid URL`);
  });

  it('unknown keys in our own sections, and a bad strategy', () => {
    const file = write({ mcpServers: {}, server: { prot: 1 }, namespacing: { strategy: 'sometimes' } });
    const message = configError(file).message;
    expect(message).toContain(`${file}: server: unknown key(s) "prot"`);
    expect(message).toContain(`${file}: namespacing.strategy: Invalid option: expected one of "always"|"conflict"|"none"`);
  });

  it('mcpServers missing', () => {
    const file = write({});
    expect(configError(file).message).toBe(`${file}: mcpServers: expected an object of servers or the path of a .mcp.json file`);
  });

  it('naming rules for an upstream that does not exist', () => {
    const file = write({ mcpServers: { db: { command: 'x' } }, namespacing: { upstreams: { bd: { hide: ['q'] } } } });
    expect(configError(file).message).toBe(`${file}: namespacing.upstreams.bd: no server named "bd" in mcpServers`);
  });

  it('errors inside a referenced .mcp.json name that file', () => {
    const servers = write({ mcpServers: { x: { args: [] } } }, 'broken.mcp.json');
    const file = write({ mcpServers: './broken.mcp.json' });
    expect(configError(file).message).toBe(`${servers}: mcpServers.x.command: Invalid input: expected string, received undefined`);
  });
});
