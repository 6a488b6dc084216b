import { createRequire } from 'node:module';
import pino from 'pino';
import { colourOn } from './terminal.ts';

/**
 * The one logger, on stderr (fd 2), because stdout belongs to the stdio transport. JSON lines, as
 * log collectors and the tests read them; but a person running `npm start` at a terminal gets
 * pino-pretty's lines (coloured unless NO_COLOR / --no-color). WARDEN_LOG_FORMAT=json|pretty
 * overrides the choice. Level from WARDEN_LOG_LEVEL (default info). Components take a child:
 * `logger.child({ component })`.
 */
export type Logger = pino.Logger;

type PrettyFactory = (options: { destination: number; sync: boolean; colorize: boolean; translateTime: string; ignore: string }) => pino.DestinationStream;

function destination(): pino.DestinationStream {
  const format = process.env.WARDEN_LOG_FORMAT;
  const pretty = format === 'pretty' || (format !== 'json' && process.stderr.isTTY === true);
  if (!pretty) return pino.destination({ fd: 2, sync: false });
  // Loaded only for a terminal: a gateway serving clients never pays for it. Synchronous, so a
  // line logged just before exit is on the screen.
  const build = createRequire(import.meta.url)('pino-pretty') as PrettyFactory;
  return build({ destination: 2, sync: true, colorize: colourOn(process.stderr), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}

export function createLogger(level: string = process.env.WARDEN_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination());
}

export const logger: Logger = createLogger();
