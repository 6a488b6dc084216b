import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { WardenError } from '../errors.ts';
import type { PolicyBackend } from './backend.ts';
import { entrypointPath, type PolicyConfig } from './config.ts';
import { isDataFile, mountDataDocument, type DataDocument } from './data-documents.ts';
import type { RawResult } from './decision.ts';
import { readPolicyFiles, revisionOf, type PolicyFile } from './files.ts';
import { readTarGz } from './tar-gz.ts';

/**
 * The `wasm` backend: a policy compiled by `opa build -t wasm`, run by @open-policy-agent/opa-wasm.
 * Exactly one configured path is the policy (`policy.wasm`, or an OPA bundle `bundle.tar.gz`
 * holding `/policy.wasm` and data documents); any other paths are data documents. Data is
 * loaded with setData once here: opa-wasm re-serialises all of it on every setData, so it must
 * never happen per request (measured: ~3 us per KB of input, all of data per setData).
 */
const isBundle = (name: string): boolean => name.endsWith('.tar.gz') || name.endsWith('.tgz');
const isPolicyArtifact = (name: string): boolean => name.endsWith('.wasm') || isBundle(name);

function loadFailure(message: string, cause?: unknown): WardenError {
  return new WardenError('POLICY_LOAD_FAILED', message, cause === undefined ? {} : { cause });
}

/** Splits a bundle into its module and its data documents, mounted at their directories. */
function unpackBundle(file: PolicyFile, data: DataDocument): Uint8Array {
  let entries: Map<string, Buffer>;
  try {
    entries = readTarGz(file.bytes);
  } catch (error) {
    throw loadFailure(`${file.name}: not a readable OPA bundle (${(error as Error).message})`, error);
  }
  const wasm = entries.get('policy.wasm');
  if (wasm === undefined) throw loadFailure(`${file.name}: the bundle has no /policy.wasm (build it with opa build -t wasm)`);
  for (const [path, bytes] of entries) {
    const segments = path.split('/');
    const base = segments.pop()!;
    if (base === 'data.json' || base === 'data.yaml') {
      mountDataDocument(data, `${file.name}:/${path}`, segments, bytes.toString('utf8'));
    }
  }
  return wasm;
}

async function instantiate(name: string, wasm: Uint8Array): Promise<LoadedPolicy> {
  try {
    return await loadPolicy(wasm);
  } catch (error) {
    // opa-wasm throws strings for ABI problems; WebAssembly throws CompileError/LinkError.
    const message = error instanceof Error ? error.message : String(error);
    throw loadFailure(`${name}: cannot load the wasm policy (${message})`, error);
  }
}

/** Entrypoints are named by path (`mcp/authz`), as `opa build -e mcp/authz` declares them. */
function resolveEntrypoint(policy: LoadedPolicy, name: string, entrypoint: string): number {
  const wanted = entrypointPath(entrypoint).join('/');
  const available = policy.entrypoints as Record<string, number>;
  const id = Object.hasOwn(available, wanted) ? available[wanted] : undefined;
  if (typeof id !== 'number') {
    const known = Object.keys(available).join(', ') || 'none';
    throw loadFailure(`${name}: entrypoint ${wanted} (${entrypoint}) is not in the module; it has: ${known}. Build with opa build -t wasm -e ${wanted}`);
  }
  return id;
}

export async function loadWasmBackend(config: PolicyConfig, baseDir: string): Promise<PolicyBackend> {
  const files = await readPolicyFiles(config.paths, baseDir, (path) => isPolicyArtifact(path) || isDataFile(path));
  const artifacts = files.filter((file) => isPolicyArtifact(file.name));
  const [artifact] = artifacts;
  if (artifact === undefined || artifacts.length > 1) {
    const found = artifacts.map((file) => file.name).join(', ') || 'none';
    throw loadFailure(`policy.paths must name exactly one policy.wasm or bundle.tar.gz for the wasm engine (found: ${found})`);
  }
  const data: DataDocument = {};
  const wasm = isBundle(artifact.name) ? unpackBundle(artifact, data) : artifact.bytes;
  for (const file of files) {
    if (file !== artifact) mountDataDocument(data, file.name, file.dataPrefix, file.bytes.toString('utf8'));
  }

  const policy = await instantiate(artifact.name, wasm);
  const entrypointId = resolveEntrypoint(policy, artifact.name, config.entrypoint);
  try {
    policy.setData(data);
  } catch (error) {
    throw loadFailure(`${artifact.name}: the module refused the data document (${String(error)})`, error);
  }

  return {
    name: 'wasm',
    revision: revisionOf(files),
    files: files.map((file) => file.name),
    evaluate(input): RawResult {
      const resultSet: unknown = policy.evaluate(input, entrypointId);
      if (!Array.isArray(resultSet)) throw new Error('opa-wasm returned a malformed result set');
      if (resultSet.length === 0) return { defined: false };
      const [first] = resultSet as Array<{ result?: unknown }>;
      return first?.result === undefined ? { defined: false } : { defined: true, value: first.result };
    },
  };
}
