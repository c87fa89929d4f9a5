import type { CliIO } from '../command.js';
import { configFrom, parse } from '../context.js';
import { createLogger } from '../../log.js';
import { startHookd } from '../../serve.js';

/** `hookd serve`: the receiver, until SIGTERM/SIGINT (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {});
  const config = configFrom(values, io);
  const logger = createLogger({ level: config.log.level, ...(config.log.pretty !== undefined ? { pretty: config.log.pretty } : {}) });
  const hookd = await startHookd(config, { logger, env: io.env });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      hookd.close().then(resolve, (err) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  logger.flush?.();
  return 0;
}
