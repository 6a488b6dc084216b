/**
 * Recorded decisions (recorded-decision.ts) from a PostgreSQL audit database: the decision rows of
 * every replica's chain, each chain in its order, read in pages; the connection carries the
 * audit module's timeouts and the schema is checked, never migrated.
 */
import { auditConfigSchema } from '../config.ts';
import { type DecisionSource, type RecordedDecision, toRecordedDecision } from '../recorded-decision.ts';
import { connect, describeUrl } from './connection.ts';
import { checkPostgresSchema, loadPostgresMigrations } from './migrations.ts';
import { iterateEventsPg } from './query.ts';
import { toEventRow } from './rows.ts';

export async function openPostgresDecisionSource(url: string): Promise<DecisionSource> {
  const client = await connect({ ...auditConfigSchema.parse({}), url }, 'mcp-warden policy cli');
  try {
    await checkPostgresSchema(client, describeUrl(url), loadPostgresMigrations());
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    async byId(decisionId) {
      const { rows } = await client.query("SELECT * FROM events WHERE kind = 'decision' AND decision_id = $1 ORDER BY time, replica_id, seq LIMIT 1", [decisionId]);
      return rows[0] === undefined ? undefined : toRecordedDecision(toEventRow(rows[0]));
    },
    async *since(from): AsyncGenerator<RecordedDecision> {
      for await (const row of iterateEventsPg(client, from ? { since: from } : {})) if (row.kind === 'decision') yield toRecordedDecision(row);
    },
    close: () => client.end().catch(() => undefined),
  };
}
