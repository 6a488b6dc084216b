import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './servers.ts';

const run = promisify(execFile);

/**
 * A real PostgreSQL from the Debian package, in a temp dir on a free loopback port, for one test
 * file (or one bench): `initdb --no-sync` (~1.5 s), `pg_ctl -w start` (~0.3 s), and `close()`
 * stops it with `-m immediate` and removes the directory. PostgreSQL refuses to run as root, so
 * the server runs as the `postgres` user through runuser; the client tools run as anyone.
 * `stop()`/`start()` take the same server down and up again (fail-closed tests).
 */
export interface TestPostgres {
  /** postgres://warden@127.0.0.1:PORT/warden */
  url: string;
  port: number;
  /** A new empty database on the same server: its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface TestPostgresOptions {
  /** fsync and synchronous_commit on, as in production (the bench); tests run without them. */
  durable?: boolean;
}

/** The newest installed server's bin directory, or undefined when none is installed. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  let versions: string[];
  try {
    versions = readdirSync(root).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? undefined : join(root, newest, 'bin');
}

export async function startPostgres({ durable = false }: TestPostgresOptions = {}): Promise<TestPostgres> {
  const bin = postgresBin();
  if (bin === undefined) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does it)');
  const dir = mkdtempSync(join(tmpdir(), 'warden-pg-'));
  chownSync(dir, ...(await postgresIds()));
  const data = join(dir, 'data');
  const asPostgres = (tool: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { cwd: dir });
  const port = await freePort();
  const settings = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', ...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'])];
  const pgCtl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', ...args]);
  try {
    await asPostgres('initdb', ['-D', data, '-U', 'warden', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await pgCtl('-o', settings.join(' '), 'start');
    await run(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'warden', 'warden']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let running = true;
  return {
    url: `postgres://warden@127.0.0.1:${port}/warden`,
    port,
    async createDatabase(name) {
      await run(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'warden', name]);
      return `postgres://warden@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await pgCtl('-m', 'immediate', 'stop');
      running = false;
    },
    async start() {
      await pgCtl('-o', settings.join(' '), 'start');
      running = true;
    },
    async close() {
      try {
        if (running) await pgCtl('-m', 'immediate', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function postgresIds(): Promise<[number, number]> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return [Number(uid.stdout.trim()), Number(gid.stdout.trim())];
}
