import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createEventEncoder } from '../../../src/audit/events.ts';
import { createRedactor } from '../../../src/audit/redact.ts';
import { createAppender } from '../../../src/audit/sqlite/appender.ts';
import { loadMigrations, migrate } from '../../../src/audit/sqlite/migrations.ts';
import { decision, readEvents, tempDir, tick, verifyFile } from '../../../testkit/support/audit.ts';

const { dir, cleanup } = tempDir('columns');
afterAll(cleanup);
const encoder = createEventEncoder(createRedactor({ keys: [], patterns: [] }));

describe('audit columns from client input', () => {
  it('hold U+FFFD for a lone surrogate, so the chain verifies; data keeps the exact text', () => {
    // A client's JSON-RPC id and tool name may be "\ud800" in JSON: a string UTF-8 cannot hold.
    const path = join(dir, 'lone.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    migrate(db, loadMigrations());
    const append = createAppender(db, tick);
    append([encoder.other('startup', tick(), {})]);
    const call = decision({ requestId: 'id-\ud800', publicName: 'x\udc00y', decision: 'deny', code: 'TOOL_NOT_FOUND', arguments: { text: 'a\ud800b' } });
    const fields = encoder.decision(call);
    expect([fields.request_id, fields.public_name]).toEqual(['id-\ufffd', 'x\ufffdy']);
    append([fields, encoder.decision(decision({ requestId: 'pair-😀' }))]);
    db.close();
    expect(verifyFile(path)).toMatchObject({ ok: true, rows: 3 });
    const stored = readEvents(path, "kind = 'decision'");
    expect(stored.map((row) => row.request_id)).toEqual(['id-\ufffd', 'pair-😀']);
    expect((JSON.parse(stored[0]!.data) as { arguments: { text: string } }).arguments.text).toBe('a\ud800b');
  });
});
