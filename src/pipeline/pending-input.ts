import { randomUUID } from 'node:crypto';
import type { Progress, Result } from '@modelcontextprotocol/client';
import { CreateMessageResultSchema, ElicitResultSchema, ListRootsResultSchema } from '@modelcontextprotocol/core';
import type { z } from 'zod';
import { canonicalJson, sha256Hex } from '../audit/index.ts';
import { WardenError } from '../errors.ts';
import type { ClientChannel } from './context.ts';
import { SERVER_REQUESTS, type ServerRequestMethod } from '../mcp-methods.ts';

/**
 * An old-era (2025-11-25) upstream's own server->client requests, carried to a new-era
 * (2026-07-28) caller as `input_required` (issue 11). The old-era upstream asks in the middle of
 * its call and waits for the answer on that same call; the new-era caller can only be asked by
 * ending its request with an `input_required` result and retrying. So the upstream call is
 * parked here, still waiting, while the caller decides: the sealed requestState names it (this
 * process's instance id and the parked call's id, continuation.ts), and the retry, authorized and
 * recorded again, hands the caller's answers to the waiting requests and waits for what the
 * upstream does next (its result, or another round of questions).
 *
 * Parked calls live in this process's memory: a retry that reaches another replica, or this
 * gateway after a restart, is refused (REQUEST_STATE_ELSEWHERE), never half-continued. They are
 * bounded in number (`server.pending_input_max`) and in time (`server.pending_input_ttl_ms`): a
 * caller that never retries cannot pin upstream calls, and when the bound is reached the upstream
 * is told no (its call then answers as it chooses).
 */

/** Where a parked call is: the gateway process holding it and its id there (sealed in the requestState). */
export interface PendingRef {
  id: string;
  instance: string;
}

/** How the answer to each embedded request must look. */
const ANSWER_SCHEMA = new Map<string, z.ZodType>([
  ['elicitation/create', ElicitResultSchema],
  ['sampling/createMessage', CreateMessageResultSchema],
  ['roots/list', ListRootsResultSchema],
] satisfies Array<[ServerRequestMethod, z.ZodType]>);
const CAPABILITY = new Map<string, string>(Object.entries(SERVER_REQUESTS));

/** What a parked call and its retry are compared by: the arguments as forwarded (the decision row's `arguments_sha256`). */
export function argumentsDigest(upstreamParams: Record<string, unknown>): string {
  return sha256Hex(canonicalJson(upstreamParams.arguments ?? null));
}

/** Keys of the gateway's relayed requests in `inputRequests` (the spec leaves keys to the server). */
const KEY_PREFIX = 'mcp-warden-relay-';

/** One server->client request of the upstream call, waiting for the caller's answer. */
interface Asked {
  method: string;
  params: Record<string, unknown> | undefined;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

/** How a round of the upstream call ends: its result or error, or questions for the caller. */
export type RoundEnd = { result: Result } | { error: unknown } | { asked: Record<string, { method: string; params?: Record<string, unknown> }> };

/** One upstream call of a new-era caller to an old-era upstream, over as many rounds as it asks questions. */
export class InputRounds {
  /** The upstream call's own signal: aborted by the caller of the round under way, or when a parked call expires. */
  readonly controller = new AbortController();
  /** The arguments as forwarded (`arguments_sha256`): a retry must bring the same. */
  readonly argumentsSha256: string;
  /** Its id while parked (PendingInputs). */
  parkedAs: string | undefined;
  /** Where the caller of the round under way hears progress; none while parked. */
  progress: ((progress: Progress) => void) | undefined;
  readonly #capabilities: Record<string, unknown>;
  readonly #asked = new Map<string, Asked>();
  #seq = 0;
  #end: { result: Result } | { error: unknown } | undefined;
  #wake: (() => void) | undefined;

  constructor(capabilities: Record<string, unknown> | undefined, argumentsSha256: string) {
    this.#capabilities = capabilities ?? {};
    this.argumentsSha256 = argumentsSha256;
  }

  /** The channel the upstream's server->client requests take (pipeline.serverRequest decides and records each first). */
  readonly channel: ClientChannel = { request: (method, params, _relatedId, signal) => this.#ask(method, params, signal) };

  #ask(method: string, params: Record<string, unknown> | undefined, signal: AbortSignal): Promise<Result> {
    const capability = CAPABILITY.get(method);
    if (capability === undefined) {
      return Promise.reject(new WardenError('INPUT_UNAVAILABLE', `mcp-warden cannot ask a 2026-07-28 caller ${method}: input_required carries only ${[...CAPABILITY.keys()].join(', ')}`));
    }
    if (!Object.hasOwn(this.#capabilities, capability)) {
      return Promise.reject(new WardenError('INPUT_UNAVAILABLE', `mcp-warden cannot ask the caller ${method}: its request did not declare the ${capability} capability in _meta`));
    }
    if (this.#end !== undefined) return Promise.reject(new WardenError('INPUT_UNAVAILABLE', `the call that ${method} belongs to has ended`));
    return new Promise<Result>((resolve, reject) => {
      const key = `${KEY_PREFIX}${++this.#seq}`;
      this.#asked.set(key, { method, params, resolve, reject });
      signal.addEventListener('abort', () => {
        if (this.#asked.delete(key)) reject(signal.reason);
      }, { once: true });
      this.#wake?.();
    });
  }

  /** The upstream call ended: its result or error ends the round under way (or the next one). */
  settle(end: { result: Result } | { error: unknown }): void {
    this.#end = end;
    this.refuseAll(new WardenError('INPUT_UNAVAILABLE', 'the call these requests belong to has ended'));
    this.#wake?.();
  }

  get ended(): boolean {
    return this.#end !== undefined;
  }

  /** Every waiting request is answered with `error` (the upstream decides what its call does then). */
  refuseAll(error: WardenError): void {
    for (const asked of this.#asked.values()) asked.reject(error);
    this.#asked.clear();
  }

  /**
   * Waits for the round's end: the upstream's result or error, or its questions. `signal` is the
   * caller's: its abort cancels the upstream call. Requests the upstream sends together are asked
   * together (one turn of the event loop gathers them).
   */
  async next(signal: AbortSignal): Promise<RoundEnd> {
    const cancel = () => this.controller.abort(signal.reason);
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
    try {
      for (;;) {
        while (this.#end === undefined && this.#asked.size === 0) await new Promise<void>((resolve) => (this.#wake = resolve));
        if (this.#end === undefined) await new Promise((resolve) => setImmediate(resolve));
        this.#wake = undefined;
        if (this.#end !== undefined) return this.#end;
        // A request the upstream withdrew meanwhile (its own timeout) is not asked.
        if (this.#asked.size > 0) break;
      }
      const asked: Record<string, { method: string; params?: Record<string, unknown> }> = Object.create(null) as Record<string, never>;
      for (const [key, { method, params }] of this.#asked) asked[key] = params === undefined ? { method } : { method, params };
      return { asked };
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  /**
   * Checks the caller's answers (`params.inputResponses`): one for every waiting request, of that
   * request's result shape. Throws REQUEST_INVALID naming the first missing or malformed one.
   */
  check(inputResponses: unknown): void {
    const responses = typeof inputResponses === 'object' && inputResponses !== null && !Array.isArray(inputResponses) ? (inputResponses as Record<string, unknown>) : undefined;
    for (const [key, asked] of this.#asked) {
      const field = `params.inputResponses.${key}`;
      if (responses === undefined || !Object.hasOwn(responses, key)) throw new WardenError('REQUEST_INVALID', `${field}: missing (the answer to ${asked.method})`, { details: { field } });
      if (!ANSWER_SCHEMA.get(asked.method)!.safeParse(responses[key]).success) throw new WardenError('REQUEST_INVALID', `${field}: not a ${asked.method} result`, { details: { field } });
    }
  }

  /** Hands each waiting request its answer, exactly as the caller sent it (checked first). */
  answer(inputResponses: unknown): void {
    this.check(inputResponses);
    const responses = inputResponses as Record<string, Result>;
    for (const [key, asked] of this.#asked) asked.resolve(responses[key]!);
    this.#asked.clear();
  }
}

interface Parked {
  rounds: InputRounds;
  timer: NodeJS.Timeout;
}

/** The parked calls of this gateway process. */
export class PendingInputs {
  /** This process, as sealed states name it: a retry elsewhere (another replica, a restart) cannot continue the call. */
  readonly instance = randomUUID();
  readonly #parked = new Map<string, Parked>();
  readonly #max: number;
  readonly ttlMs: number;

  constructor(options: { max: number; ttlMs: number }) {
    this.#max = options.max;
    this.ttlMs = options.ttlMs;
  }

  get size(): number {
    return this.#parked.size;
  }

  /** Parks the call until its caller retries, or undefined when `max` calls are parked already. */
  park(rounds: InputRounds): PendingRef | undefined {
    if (this.#parked.size >= this.#max) return undefined;
    const id = randomUUID();
    const timer = setTimeout(() => this.#expire(id), this.ttlMs);
    timer.unref();
    this.#parked.set(id, { rounds, timer });
    rounds.parkedAs = id;
    return { id, instance: this.instance };
  }

  /**
   * The parked call a retry continues, checked without taking it: held here, still waiting, for
   * the same arguments, and answered in full. Throws the typed refusal otherwise.
   */
  check(ref: PendingRef, argumentsSha256: string, inputResponses: unknown): void {
    const { rounds } = this.#find(ref);
    if (rounds.argumentsSha256 !== argumentsSha256) {
      throw new WardenError('REQUEST_STATE_INVALID', 'params.requestState: issued for a call with other arguments; retry with the same arguments', { details: { field: 'params.requestState' } });
    }
    rounds.check(inputResponses);
  }

  /** Takes the parked call and hands it the caller's answers (checked first: a bad answer leaves it parked). */
  resume(ref: PendingRef, inputResponses: unknown): InputRounds {
    const parked = this.#find(ref);
    parked.rounds.answer(inputResponses);
    this.#unpark(ref.id, parked);
    return parked.rounds;
  }

  /** The upstream call ended while parked (it timed out, its upstream went away): nothing to continue. */
  forget(rounds: InputRounds): void {
    const parked = rounds.parkedAs === undefined ? undefined : this.#parked.get(rounds.parkedAs);
    if (parked !== undefined) this.#unpark(rounds.parkedAs!, parked);
  }

  /** The gateway is closing: every parked call is cancelled upstream. */
  close(): void {
    for (const id of [...this.#parked.keys()]) this.#expire(id);
  }

  #find(ref: PendingRef): Parked {
    const field = { details: { field: 'params.requestState' } };
    if (ref.instance !== this.instance) {
      throw new WardenError('REQUEST_STATE_ELSEWHERE', 'params.requestState: the upstream call it continues waits in another gateway process (another replica, or this gateway before a restart); start the request again', field);
    }
    const parked = this.#parked.get(ref.id);
    if (parked === undefined) {
      throw new WardenError('REQUEST_STATE_GONE', 'params.requestState: the upstream call it continues is no longer waiting (it ended, timed out, its upstream went away, or it was already continued); start the request again', field);
    }
    return parked;
  }

  #unpark(id: string, parked: Parked): void {
    clearTimeout(parked.timer);
    this.#parked.delete(id);
    parked.rounds.parkedAs = undefined;
  }

  #expire(id: string): void {
    const parked = this.#parked.get(id);
    if (parked === undefined) return;
    this.#unpark(id, parked);
    const why = new WardenError('REQUEST_STATE_EXPIRED', `the caller did not continue within ${this.ttlMs} ms`);
    parked.rounds.refuseAll(why);
    parked.rounds.controller.abort(why);
  }
}
