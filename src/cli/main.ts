import { logger } from '../log.ts';
import { main } from './dispatch.ts';

const code = await main(process.argv.slice(2));
// Exit explicitly once the log is flushed: a served stdin or a lingering socket must not keep a
// finished command alive.
logger.flush(() => process.exit(code));
