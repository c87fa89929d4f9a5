import type { Command } from '../command.js';
import { configFrom, parse } from '../context.js';
import { createLogger } from '../../log.js';
import { startHookd } from '../../serve.js';

export const serve: Command = {
  name: 'serve',
  summary: 'run the receiver (ingest on :8080, admin on 127.0.0.1:8081)',
  usage: `hookd serve [--config FILE]

Runs the receiver with the config from --config, HOOKD_CONFIG, ./hookd.yaml or ./hookd.json, or the
embedded defaults (one source, 'jobserv'). SIGTERM/SIGINT stop it gracefully: no new connections,
in-flight commits finish, the database is closed, exit 0.`,
  async run(argv, io) {
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
  },
};
