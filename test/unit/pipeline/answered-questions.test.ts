import { describe, expect, it } from 'vitest';
import { AnsweredQuestions } from '../../../src/pipeline/answered-questions.ts';

/** Issue 15: a new-era approval question's state is good for one retry (per replica). */
describe('answered questions', () => {
  it('takes the first answer of a question and refuses the next ones while its state could still come back', () => {
    const answered = new AnsweredQuestions();
    expect(answered.first('q1', 1_000, 500)).toBe(true);
    expect(answered.first('q1', 1_400, 500)).toBe(false);
    expect(answered.first('q2', 1_400, 500)).toBe(true);
    // Forgotten once its state has expired (it would be REQUEST_STATE_EXPIRED before reaching here).
    expect(answered.first('q1', 1_500, 500)).toBe(true);
    expect(answered.first('q2', 1_899, 500)).toBe(false);
  });
});
