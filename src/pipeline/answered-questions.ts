/**
 * The approval questions a new-era caller has answered on this replica (issue 15): the sealed
 * requestState of a question is good for one retry, so one approval forwards one call, as in the
 * old era. Kept by the question's decision id for as long as its state could still be brought
 * back (`keepMs` from the answer is at least the state's remaining life). Per replica: a replay
 * of an answered state on another replica is bounded by the state's expiry alone (measured and
 * said in the README; a shared table would put a write on every answer).
 */
export class AnsweredQuestions {
  readonly #until = new Map<string, number>();

  /** True the first time the question `id` is answered; false for every later retry of its state. */
  first(id: string, now: number, keepMs: number): boolean {
    // Entries are added with the same `keepMs`, so insertion order is expiry order.
    for (const [old, until] of this.#until) {
      if (until > now) break;
      this.#until.delete(old);
    }
    if (this.#until.has(id)) return false;
    this.#until.set(id, now + keepMs);
    return true;
  }
}
