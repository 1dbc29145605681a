import type { Logger } from '@offsite/runtime';
import { logLevel, type logCreator } from 'kafkajs';

/** kafkajs's level for a pino level, so kafkajs does not build log entries pino would drop. */
export function kafkaLevelFor(pinoLevel: string): logLevel {
  switch (pinoLevel) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}

/** Routes kafkajs's logs into pino: one child per namespace, kafkajs levels mapped one to one. */
export function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const entry = { kafkajs: namespace, ...fields };
      switch (level) {
        case logLevel.ERROR:
          logger.error(entry, message);
          break;
        case logLevel.WARN:
          logger.warn(entry, message);
          break;
        case logLevel.INFO:
          logger.info(entry, message);
          break;
        case logLevel.DEBUG:
          logger.debug(entry, message);
          break;
        default:
          break;
      }
    };
}
