import type { CliIO } from '../command.js';
import { configFrom, parse } from '../context.js';
import { openStore } from '../../store/open.js';

/** `hookd migrate`: applies pending migrations, as `serve` does at start, on SQLite or PostgreSQL (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {});
  const config = configFrom(values, io);
  // A writable open applies what is pending (PostgreSQL: under an advisory lock, so replicas starting together take turns).
  const store = await openStore(config.storage);
  try {
    const { location, appliedNow } = await store.report();
    if (values.json) io.out(JSON.stringify({ database: location, applied: appliedNow }));
    else io.out(appliedNow.length ? `${location}: applied migration(s) ${appliedNow.join(', ')}` : `${location}: up to date`);
  } finally {
    await store.close();
  }
  return 0;
}
