/**
 * The kitchen-sink over stdio, after writing its whole environment to ENV_DUMP_FILE: lets a test
 * check what a stdio upstream child inherits from the gateway (never the client's WARDEN_TOKEN).
 */
import { writeFileSync } from 'node:fs';

writeFileSync(process.env.ENV_DUMP_FILE!, JSON.stringify(process.env));
await import('../../../fixtures/kitchen-sink.ts');
