/**
 * Authentication cost per request: verification per algorithm (cache miss: cache disabled, so
 * every call verifies the signature) and the verified-token cache hit. Real keys, real tokens,
 * the real createAuthenticator. Run alone: `node --import tsx bench/auth.bench.ts [--json]`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import pino from 'pino';
import { authConfigSchema } from '../src/auth/config.ts';
import { createAuthenticator } from '../src/auth/index.ts';
import type { Authenticator } from '../src/auth/principal.ts';

export interface BenchResult {
  name: string;
  samples: number;
  p50_us: number;
  p99_us: number;
  mean_us: number;
}

const ASYMMETRIC = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
const ISSUER = 'https://bench.invalid';
const HS_ISSUER = 'https://bench-hs.invalid';
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const MISS_SAMPLES = 2_000;
const HIT_BATCHES = 200;
const HIT_BATCH_SIZE = 1_000;

export async function benchAuth(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-auth-bench-'));
  const tokens = new Map<string, string>();
  const keys = [];
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: 'alice', aud: 'mcp-warden', iat: now, exp: now + 3600, roles: ['analyst'], scope: 'db:read mail:send' };
  for (const alg of ASYMMETRIC) {
    const pair = await generateKeyPair(alg, { extractable: true });
    keys.push({ ...(await exportJWK(pair.publicKey)), kid: alg, alg, use: 'sig' });
    tokens.set(alg, await new SignJWT({ ...claims, iss: ISSUER }).setProtectedHeader({ alg, kid: alg }).sign(pair.privateKey));
  }
  tokens.set('HS256', await new SignJWT({ ...claims, iss: HS_ISSUER }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET)));
  await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys }));

  const start = (cacheEntries: number) =>
    createAuthenticator(
      authConfigSchema.parse({
        token_cache_max_entries: cacheEntries,
        issuers: [
          { issuer: ISSUER, audience: 'mcp-warden', jwks_file: 'jwks.json', algorithms: [...ASYMMETRIC] },
          { issuer: HS_ISSUER, audience: 'mcp-warden', secret_env: 'BENCH_SECRET', algorithms: ['HS256'] },
        ],
      }),
      { baseDir: dir, env: { BENCH_SECRET: SECRET }, logger: pino({ level: 'silent' }) },
    );

  const results: BenchResult[] = [];
  const uncached = await start(0);
  const cached = await start(1_000);
  try {
    for (const [alg, token] of tokens) results.push(await measureMiss(`verify ${alg} (cache miss)`, uncached, token));
    results.push(await measureHit('cache hit', cached, tokens.get('RS256')!));
  } finally {
    await Promise.all([uncached.close(), cached.close()]);
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

async function measureMiss(name: string, auth: Authenticator, token: string): Promise<BenchResult> {
  for (let i = 0; i < 200; i += 1) await auth.authenticate(token);
  const times: number[] = [];
  for (let i = 0; i < MISS_SAMPLES; i += 1) {
    const started = performance.now();
    await auth.authenticate(token);
    times.push((performance.now() - started) * 1000);
  }
  return summarise(name, times);
}

/** A hit is far below the timer's useful resolution, so time batches and divide. */
async function measureHit(name: string, auth: Authenticator, token: string): Promise<BenchResult> {
  for (let i = 0; i < 20_000; i += 1) await auth.authenticate(token);
  const perCall: number[] = [];
  for (let batch = 0; batch < HIT_BATCHES; batch += 1) {
    const started = performance.now();
    for (let i = 0; i < HIT_BATCH_SIZE; i += 1) await auth.authenticate(token);
    perCall.push(((performance.now() - started) * 1000) / HIT_BATCH_SIZE);
  }
  return { ...summarise(name, perCall), samples: HIT_BATCHES * HIT_BATCH_SIZE };
}

function summarise(name: string, times: number[]): BenchResult {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return { name, samples: times.length, p50_us: at(0.5), p99_us: at(0.99), mean_us: round(times.reduce((a, b) => a + b, 0) / times.length) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function render(results: BenchResult[]): string {
  const rows = results.map((r) => `${r.name.padEnd(26)} ${String(r.p50_us).padStart(10)} ${String(r.p99_us).padStart(10)} ${String(r.mean_us).padStart(10)}`);
  return [`${'auth'.padEnd(26)} ${'p50 us'.padStart(10)} ${'p99 us'.padStart(10)} ${'mean us'.padStart(10)}`, ...rows].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await benchAuth();
  process.stdout.write(`${process.argv.includes('--json') ? JSON.stringify(results, null, 2) : render(results)}\n`);
}
