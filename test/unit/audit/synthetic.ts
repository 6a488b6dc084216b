import type Database from 'better-sqlite3';

/**
 * Fills `events` with synthetic rows in one SQL statement per kind, for query-speed tests and the
 * bench: `decisions` decision rows spread over 30 days before `end` (1000 principals, 50 tools on
 * 5 servers, 1 in 10 denied), and an outcome for each of the first `outcomes` decisions. The chain
 * fields are placeholders: these rows are for the read side, not for verify.
 */
export function fillSynthetic(db: Database.Database, decisions: number, outcomes: number, end: Date): void {
  const endMs = end.getTime();
  const spanMs = 30 * 24 * 3600 * 1000;
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO events (seq, kind, time, request_id, session_id, sub, iss, method, public_name, upstream, upstream_name,
                           decision, decision_id, outcome, code, data, prev_hash, hash)
       SELECT i, 'decision',
              strftime('%Y-%m-%dT%H:%M:%fZ', (? - ? + i * (? * 1.0 / ?)) / 1000.0, 'unixepoch'),
              'req-' || i, 'session-' || (i % 5000), 'user-' || (i * 7919 % 1000), 'https://idp.example.com', 'tools/call',
              'srv' || (i % 5) || '__tool' || (i % 50), 'srv' || (i % 5), 'tool' || (i % 50),
              CASE WHEN i % 10 = 0 THEN 'deny' ELSE 'allow' END, 'dec-' || i, NULL,
              CASE WHEN i % 10 = 0 THEN 'POLICY_DENIED' END,
              '{"reasons":[]}', '', ''
       FROM n`,
    ).run(decisions, endMs, spanMs, spanMs, decisions);
    db.prepare(
      `INSERT INTO events (seq, kind, time, request_id, session_id, decision_id, outcome, data, prev_hash, hash)
       SELECT ? + seq, 'outcome', time, request_id, session_id, decision_id,
              CASE WHEN seq % 7 = 0 THEN 'tool_error' ELSE 'ok' END, '{"duration_ms":2}', '', ''
       FROM events WHERE kind = 'decision' AND seq <= ? ORDER BY seq`,
    ).run(decisions, outcomes);
  })();

}
