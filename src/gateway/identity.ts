import { SERVER_INFO_META_KEY } from '@modelcontextprotocol/client';
import { copyWith } from '../own.ts';

/**
 * The server a caller talks to is the gateway, in every result. 2026-07-28 has servers stamp their
 * identity in each result's `_meta` (`io.modelcontextprotocol/serverInfo`, a SHOULD); an upstream
 * built on an SDK that stamps it (the Python SDK, the TypeScript v2 server) would otherwise tell
 * the caller another server's name and version through the gateway, contradicting server/discover
 * and showing what runs behind it. Other `_meta` entries pass unchanged.
 */
export class ServerIdentity {
  /** The `_meta` of a result that had none: one frozen object for every such result. */
  readonly #meta: Readonly<Record<string, unknown>>;

  constructor(readonly serverInfo: Readonly<{ name: string; version: string }>) {
    this.#meta = Object.freeze({ [SERVER_INFO_META_KEY]: serverInfo });
  }

  /** A new-era result: the gateway's stamp, whatever the upstream put there. */
  stamp(result: Record<string, unknown>): Record<string, unknown> {
    const meta = result._meta;
    if (meta === undefined) return copyWith(result, { _meta: this.#meta });
    return isObject(meta) ? copyWith(result, { _meta: copyWith(meta, { [SERVER_INFO_META_KEY]: this.serverInfo }) }) : result;
  }

  /** An old-era result: the era has no such key, so it is only replaced where an upstream sent one. */
  replace(result: Record<string, unknown>): Record<string, unknown> {
    const meta = result._meta;
    return isObject(meta) && Object.hasOwn(meta, SERVER_INFO_META_KEY) ? copyWith(result, { _meta: copyWith(meta, { [SERVER_INFO_META_KEY]: this.serverInfo }) }) : result;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
