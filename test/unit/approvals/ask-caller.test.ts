import { describe, expect, it } from 'vitest';
import { answerOf, answersFormElicitation, APPROVAL_INPUT_KEY, approvalInputRequests } from '../../../src/approvals/ask-caller.ts';

/** Issue 15: reading a client's elicitation capability and a new-era caller's answer, as data. */
describe('ask-caller - capabilities and new-era answers', () => {
  it('form elicitation: `{}` (2025-06-18) or a named form mode; URL mode alone, or nothing, cannot show the question', () => {
    expect(answersFormElicitation({ elicitation: {} })).toBe(true);
    expect(answersFormElicitation({ elicitation: { form: {} } })).toBe(true);
    expect(answersFormElicitation({ elicitation: { form: {}, url: {} } })).toBe(true);
    expect(answersFormElicitation({ elicitation: { url: {} } })).toBe(false);
    for (const none of [undefined, null, {}, { elicitation: true }, { elicitation: null }, 'elicitation']) expect(answersFormElicitation(none)).toBe(false);
    expect(answersFormElicitation(Object.create({ elicitation: {} }))).toBe(false);
  });

  it('only an explicit accept under the gateway\'s key approves', () => {
    const under = (entry: unknown) => ({ [APPROVAL_INPUT_KEY]: entry });
    expect(answerOf(under({ action: 'accept' }))).toBe('approved');
    expect(answerOf(under({ action: 'accept', content: {} }))).toBe('approved');
    expect(answerOf(under({ action: 'decline' }))).toBe('declined');
    expect(answerOf(under({ action: 'cancel' }))).toBe('cancelled');
    for (const other of [under({ action: 'ACCEPT' }), under('accept'), { other: { action: 'accept' } }, undefined, null, [], Object.create(under({ action: 'accept' }))]) {
      expect(answerOf(other)).toBe('unanswered');
    }
  });

  it('embeds the same question as elicitation/create under that key', () => {
    const requests = approvalInputRequests({ tool: 'db__drop', upstream: 'db', upstreamName: 'drop', arguments: { table: 't' }, reason: 'destructive' });
    expect(Object.keys(requests)).toEqual([APPROVAL_INPUT_KEY]);
    expect(requests[APPROVAL_INPUT_KEY]).toMatchObject({ method: 'elicitation/create', params: { message: expect.stringContaining('Tool: db__drop (upstream db, its tool drop)'), requestedSchema: { type: 'object', properties: {} } } });
  });
});
