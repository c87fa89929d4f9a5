import v8 from 'node:v8';
import type { CliIO } from '../command.js';
import { configFrom, parse } from '../context.js';
import { createLogger } from '../../log.js';
import { startHookd } from '../../serve.js';

/**
 * How far V8 lets the old generation grow past what its last full collection kept, in percent.
 * Left to itself it grows up to 4×: hookd keeps ~15 MB, and under load the requests in flight that
 * outlive a young collection pile up to ~60 MB before the next full one. 2.5× keeps the resident
 * set ~30 MB lower (under load, with a plugin: ~200 → ~170 MB) for a few percent more CPU (README,
 * Performance). The flag is not allowed in NODE_OPTIONS, so it is set here, however `hookd serve`
 * was started; V8 reads it each time it sizes the heap, for every thread.
 */
export const HEAP_GROWING_PERCENT = 150;

/** The V8 flag `hookd serve` sets, unless the node command line already chose one. */
export function heapGrowingFlag(execArgv: readonly string[]): string | undefined {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** `hookd serve`: the receiver, until SIGTERM/SIGINT (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const flag = heapGrowingFlag(process.execArgv);
  if (flag) v8.setFlagsFromString(flag);
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
