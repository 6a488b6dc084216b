import pino from 'pino';

/**
 * The one logger: pino JSON on stderr (fd 2), because stdout belongs to the stdio transport.
 * Level from WARDEN_LOG_LEVEL (default info). Components take a child: `logger.child({ component })`.
 */
export type Logger = pino.Logger;

export function createLogger(level: string = process.env.WARDEN_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd: 2, sync: false }),
  );
}

export const logger: Logger = createLogger();
