import { POSTGRES_URL } from './postgres/connection.ts';
import { openPostgresDecisionSource } from './postgres/decision-reader.ts';
import type { DecisionSource } from './recorded-decision.ts';
import { openSqliteDecisionSource } from './sqlite/decision-reader.ts';

/** The recorded decisions of `--audit DB|URL`: a postgres:// URL, or a SQLite file. */
export async function openDecisionSource(target: string): Promise<DecisionSource> {
  return POSTGRES_URL.test(target) ? openPostgresDecisionSource(target) : openSqliteDecisionSource(target);
}
