import { describe, expect, it } from 'vitest';
import { WardenError } from '../../../src/errors.ts';
import { argumentsDigest, InputRounds, PendingInputs } from '../../../src/pipeline/pending-input.ts';

/**
 * The rounds of an old-era upstream's call made for a new-era caller, and the parked calls that
 * wait for the caller's retry (pipeline/pending-input.ts). The upstream side is the channel the
 * pipeline's server->client relay uses; the caller side is `next` and `answer`. The whole path
 * through the gateway, with a real upstream and client: test/e2e/upstreams/input-required-old-era.test.ts.
 */
const CAN_ALL = { sampling: {}, elicitation: { form: {} }, roots: {} };
const never = new AbortController().signal;
const ask = (rounds: InputRounds, method: string, params?: Record<string, unknown>, signal = never) => rounds.channel.request(method, params, 1, signal);
const codeOf = async (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: unknown) => (error instanceof WardenError ? error.code : String(error)));
const elicited = { action: 'accept', content: { answer: 'yes' } };
const sampled = { role: 'assistant', model: 'm', content: { type: 'text', text: 'done' } };

describe('InputRounds', () => {
  it('asks the questions sent together in one round, keyed, and hands each its answer exactly as given', async () => {
    const rounds = new InputRounds(CAN_ALL, 'digest');
    const first = ask(rounds, 'elicitation/create', { message: 'sure?' });
    const second = ask(rounds, 'sampling/createMessage', { messages: [], maxTokens: 5 });
    const end = await rounds.next(never);
    expect(end).toEqual({
      asked: {
        'mcp-warden-relay-1': { method: 'elicitation/create', params: { message: 'sure?' } },
        'mcp-warden-relay-2': { method: 'sampling/createMessage', params: { messages: [], maxTokens: 5 } },
      },
    });
    const answers = { 'mcp-warden-relay-1': elicited, 'mcp-warden-relay-2': { ...sampled, extra: { kept: 1 } } };
    rounds.answer(answers);
    expect(await first).toBe(answers['mcp-warden-relay-1']);
    expect(await second).toBe(answers['mcp-warden-relay-2']);
    // The next round: another question, then the result.
    const third = ask(rounds, 'roots/list');
    expect(await rounds.next(never)).toEqual({ asked: { 'mcp-warden-relay-3': { method: 'roots/list' } } });
    rounds.answer({ 'mcp-warden-relay-3': { roots: [] } });
    expect(await third).toEqual({ roots: [] });
    const done = rounds.next(never);
    rounds.settle({ result: { content: [] } });
    expect(await done).toEqual({ result: { content: [] } });
  });

  it('refuses an answer missing or of the wrong shape, naming the field, and answers nothing then', async () => {
    const rounds = new InputRounds(CAN_ALL, 'digest');
    const first = ask(rounds, 'elicitation/create', { message: 'a' });
    const second = ask(rounds, 'sampling/createMessage', { messages: [], maxTokens: 5 });
    await rounds.next(never);
    expect(() => rounds.answer({ 'mcp-warden-relay-1': elicited })).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', details: { field: 'params.inputResponses.mcp-warden-relay-2' } }));
    expect(() => rounds.answer({ 'mcp-warden-relay-1': elicited, 'mcp-warden-relay-2': { action: 'accept' } })).toThrow(/not a sampling\/createMessage result/);
    expect(() => rounds.answer(undefined)).toThrow(/params.inputResponses.mcp-warden-relay-1: missing/);
    // An inherited key is no answer.
    expect(() => rounds.answer(Object.create({ 'mcp-warden-relay-1': elicited, 'mcp-warden-relay-2': sampled }))).toThrow(/missing/);
    rounds.answer({ 'mcp-warden-relay-1': elicited, 'mcp-warden-relay-2': sampled });
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
  });

  it('refuses what the caller did not declare or input_required cannot carry', async () => {
    const rounds = new InputRounds({ elicitation: {} }, 'digest');
    expect(await codeOf(ask(rounds, 'sampling/createMessage', { messages: [], maxTokens: 1 }))).toBe('INPUT_UNAVAILABLE');
    expect(await codeOf(ask(rounds, 'tasks/get', {}))).toBe('INPUT_UNAVAILABLE');
    await expect(ask(new InputRounds(undefined, 'd'), 'roots/list')).rejects.toThrow('did not declare the roots capability');
  });

  it('cancels the upstream call when the caller of the round goes away, and does not ask what the upstream withdrew', async () => {
    const rounds = new InputRounds(CAN_ALL, 'digest');
    const withdrawn = new AbortController();
    const gone = ask(rounds, 'roots/list', undefined, withdrawn.signal);
    withdrawn.abort(new Error('upstream timeout'));
    await expect(gone).rejects.toThrow('upstream timeout');
    const caller = new AbortController();
    const round = rounds.next(caller.signal);
    caller.abort(new Error('caller left'));
    expect(rounds.controller.signal.aborted).toBe(true);
    rounds.settle({ error: new WardenError('UPSTREAM_CANCELLED', 'cancelled') });
    expect(await round).toMatchObject({ error: { code: 'UPSTREAM_CANCELLED' } });
    // A request of a call that has ended is refused at once.
    expect(await codeOf(ask(rounds, 'roots/list'))).toBe('INPUT_UNAVAILABLE');
  });
});

describe('PendingInputs', () => {
  /** One question asked and its round ended; the question's answer, still to come (wrapped: an async function would wait for it). */
  const asked = async (rounds: InputRounds): Promise<{ answer: Promise<unknown> }> => {
    const answer = ask(rounds, 'elicitation/create', { message: 'ok?' });
    await rounds.next(never);
    return { answer };
  };

  it('parks at most `max` calls; a retry finds its call here, for the same arguments, answered in full', async () => {
    const pending = new PendingInputs({ max: 1, ttlMs: 60_000 });
    const digest = argumentsDigest({ arguments: { b: 2, a: 1 } });
    expect(argumentsDigest({ arguments: { a: 1, b: 2 } })).toBe(digest);
    const rounds = new InputRounds(CAN_ALL, digest);
    const { answer } = await asked(rounds);
    const ref = pending.park(rounds)!;
    expect(ref.instance).toBe(pending.instance);
    expect(pending.park(new InputRounds(CAN_ALL, digest))).toBeUndefined();

    const throwsCode = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as WardenError).code;
      }
      return 'none';
    };
    const answers = { 'mcp-warden-relay-1': elicited };
    expect(throwsCode(() => pending.check({ ...ref, instance: 'another-replica' }, digest, answers))).toBe('REQUEST_STATE_ELSEWHERE');
    expect(throwsCode(() => pending.check({ ...ref, id: 'unknown' }, digest, answers))).toBe('REQUEST_STATE_GONE');
    expect(throwsCode(() => pending.check(ref, argumentsDigest({ arguments: { a: 2 } }), answers))).toBe('REQUEST_STATE_INVALID');
    expect(throwsCode(() => pending.check(ref, digest, {}))).toBe('REQUEST_INVALID');
    expect(throwsCode(() => pending.resume(ref, {}))).toBe('REQUEST_INVALID');
    expect(pending.size).toBe(1);
    expect(pending.resume(ref, answers)).toBe(rounds);
    expect(await answer).toEqual(elicited);
    expect(pending.size).toBe(0);
    expect(throwsCode(() => pending.resume(ref, answers))).toBe('REQUEST_STATE_GONE');
  });

  it('cancels a call parked past its time: its requests are refused and the upstream call aborted', async () => {
    const pending = new PendingInputs({ max: 4, ttlMs: 20 });
    const rounds = new InputRounds(CAN_ALL, 'd');
    const { answer } = await asked(rounds);
    pending.park(rounds);
    expect(await codeOf(answer)).toBe('REQUEST_STATE_EXPIRED');
    expect(rounds.controller.signal.aborted).toBe(true);
    expect(pending.size).toBe(0);
  });

  it('forgets a parked call whose upstream call ended, and cancels every parked call on close', async () => {
    const pending = new PendingInputs({ max: 4, ttlMs: 60_000 });
    const ended = new InputRounds(CAN_ALL, 'd');
    const first = await asked(ended);
    const ref = pending.park(ended)!;
    ended.settle({ error: new WardenError('UPSTREAM_TIMEOUT', 'late') });
    expect(await codeOf(first.answer)).toBe('INPUT_UNAVAILABLE');
    pending.forget(ended);
    expect(pending.size).toBe(0);
    expect(() => pending.check(ref, 'd', {})).toThrow(expect.objectContaining({ code: 'REQUEST_STATE_GONE' }));
    const open = new InputRounds(CAN_ALL, 'd');
    const { answer } = await asked(open);
    pending.park(open);
    pending.close();
    expect(await codeOf(answer)).toBe('REQUEST_STATE_EXPIRED');
    expect(open.controller.signal.aborted).toBe(true);
  });
});
