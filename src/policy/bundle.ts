import { posix } from 'node:path';
import { WardenError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { readCappedBody } from '../read-capped.ts';
import type { PolicyConfig } from './config.ts';
import { isDataFile, mountDataDocument, type DataDocument } from './data-documents.ts';
import type { PolicyFile } from './files.ts';
import type { PolicySetSources } from './policy-set-files.ts';
import { compileRegoBackend } from './rego-backend.ts';
import { SwappablePolicyEngine, type PolicyReloadEvent } from './swappable-engine.ts';
import { MAX_BUNDLE_BYTES, readTarGz } from './tar-gz.ts';

/**
 * `policy.bundle`: the policy set of every replica from one HTTP(S) URL, in OPA's bundle format (a
 * tar.gz of `.rego` modules and `data.json` / `data.yaml` documents, each mounted under its
 * directory; `.manifest` and other files are not read). The first fetch must give a bundle that
 * loads, or the gateway does not start. Then the URL is polled with `If-None-Match`: an unchanged
 * bundle is a 304; a new one is compiled whole before it replaces the set in force, and one that
 * does not load (not gzip, a parse error, conflicting data) keeps the last good set, is logged and
 * audited as a failed `policy_reload`, exactly as a broken file edit is. A fetch that fails
 * (server down, timeout, 5xx) keeps the set in force and is tried again at the next interval.
 */
type Bundle = NonNullable<PolicyConfig['bundle']>;

interface Fetched {
  bytes: Buffer;
  etag: string | undefined;
}

/** The bundle, or 'unchanged' for a 304 to our If-None-Match. */
async function fetchBundle(bundle: Bundle, etag: string | undefined): Promise<Fetched | 'unchanged'> {
  const headers = new Headers(bundle.headers);
  if (etag !== undefined) headers.set('if-none-match', etag);
  const response = await fetch(bundle.url, { headers, signal: AbortSignal.timeout(bundle.timeout_ms), redirect: 'follow' });
  if (response.status === 304) {
    await response.body?.cancel();
    return 'unchanged';
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status}`);
  }
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_BUNDLE_BYTES) throw new Error(`bundle of ${length} bytes exceeds ${MAX_BUNDLE_BYTES}`);
  const bytes = await readCappedBody(response, MAX_BUNDLE_BYTES);
  return { bytes, etag: response.headers.get('etag') ?? undefined };
}

/** The modules and data of a bundle, named as OPA names bundle files (`/mcp/authz.rego`). */
function bundleSources(bytes: Uint8Array, url: string): PolicySetSources {
  let entries: Map<string, Buffer>;
  try {
    entries = readTarGz(bytes);
  } catch (error) {
    throw new WardenError('POLICY_LOAD_FAILED', `${url}: not a bundle (tar.gz): ${(error as Error).message}`, { cause: error });
  }
  const modules: Record<string, string> = {};
  const data: DataDocument = {};
  const files: PolicyFile[] = [];
  for (const [path, content] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const name = `/${path}`;
    const base = posix.basename(path);
    const isModule = path.endsWith('.rego') && !path.endsWith('_test.rego');
    const isData = (base === 'data.json' || base === 'data.yaml' || base === 'data.yml') && isDataFile(path);
    if (!isModule && !isData) continue;
    const dataPrefix = posix.dirname(path) === '.' ? [] : posix.dirname(path).split('/');
    files.push({ name, absolutePath: `${url}#${name}`, dataPrefix, bytes: content });
    if (isModule) modules[name] = content.toString('utf8');
    else mountDataDocument(data, name, dataPrefix, content.toString('utf8'));
  }
  return { modules, data, files };
}

interface BundleEngineRuntime {
  logger: Logger;
  clock?: () => number;
  onReload?: (event: PolicyReloadEvent) => void;
}

export async function startBundlePolicyEngine(config: PolicyConfig, runtime: BundleEngineRuntime): Promise<SwappablePolicyEngine> {
  const bundle = config.bundle!;
  const logger = runtime.logger.child({ bundle: bundle.url });
  let current: Fetched;
  try {
    current = (await fetchBundle(bundle, undefined)) as Fetched;
  } catch (error) {
    throw new WardenError('POLICY_LOAD_FAILED', `policy.bundle.url ${bundle.url}: cannot fetch the bundle (${(error as Error).message}); check the URL and that the bundle server answers`, { cause: error });
  }
  let timer: NodeJS.Timeout | undefined;
  const engine = await SwappablePolicyEngine.start({
    name: 'rego',
    load: async () => compileRegoBackend(config, bundleSources(current.bytes, bundle.url), bundle.url),
    budgetMs: config.eval_timeout_ms,
    logger,
    stopWatching: () => clearInterval(timer),
    ...(runtime.clock && { clock: runtime.clock }),
    ...(runtime.onReload && { onReload: runtime.onReload }),
  });
  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      const next = await fetchBundle(bundle, current.etag);
      // A server without ETags answers 200 every time: the same bytes are no change.
      if (next === 'unchanged' || next.bytes.equals(current.bytes)) return;
      current = next;
      await engine.reload('bundle');
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message } }, 'fetching the policy bundle failed; the policy set in force stays');
    } finally {
      polling = false;
    }
  };
  timer = setInterval(() => void poll(), bundle.poll_interval_ms);
  timer.unref();
  return engine;
}
