import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout; LOG_LEVEL picks the level (default info, silent in tests). */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info')): Logger {
  return pino({ name: service, level, base: { service } });
}
