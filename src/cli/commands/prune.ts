import { UsageError, type CliIO } from '../command.js';
import { configFrom, option, parse } from '../context.js';
import { openStore } from '../../store/open.js';

/** `hookd prune`: deletes events older than the retention, as the receiver's timer does (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { days: { type: 'string' } });
  const config = configFrom(values, io);
  const given = option(values, 'days');
  const days = given !== undefined ? Number(given) : config.retention.days;
  if (!Number.isFinite(days) || days < 0) throw new UsageError(`--days takes a number of days, not '${given}'`);
  const store = await openStore(config.storage);
  try {
    const before = Date.now() - days * 86_400_000;
    const { events } = await store.prune(before);
    if (values.json) io.out(JSON.stringify({ pruned: events, before: new Date(before).toISOString() }));
    else io.out(`pruned ${events} event(s) received before ${new Date(before).toISOString()}`);
  } finally {
    await store.close();
  }
  return 0;
}
