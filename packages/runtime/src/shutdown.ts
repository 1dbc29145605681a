import type { Logger } from 'pino';

/**
 * Run `steps` in order on SIGTERM/SIGINT: stop taking input first, then flush and commit, then
 * close connections. A second signal, or `timeoutMs`, forces exit with code 1.
 */
export function installShutdown(logger: Logger, steps: Array<[name: string, run: () => Promise<void>]>, timeoutMs = 30_000): () => Promise<void> {
  let running: Promise<void> | null = null;
  const shutdown = async (): Promise<void> => {
    if (running) return running;
    running = (async () => {
      for (const [name, run] of steps) {
        try {
          await run();
          logger.info({ step: name }, 'shutdown step done');
        } catch (err) {
          logger.error({ step: name, err }, 'shutdown step failed');
        }
      }
    })();
    return running;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (running) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    void shutdown().then(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return shutdown;
}
