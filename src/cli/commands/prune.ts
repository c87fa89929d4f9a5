import type { Command } from '../command.js';
import { configFrom, option, parse, UsageError } from '../context.js';
import { SqliteStore } from '../../store/sqlite/index.js';

export const prune: Command = {
  name: 'prune',
  summary: 'delete events older than the retention (retention.days, default 7)',
  usage: `hookd prune [--days N] [--config FILE] [--json]

Deletes events received more than N days ago (default: retention.days) and the request bodies no
remaining event points at. The receiver does the same on a timer (retention.intervalMinutes).`,
  async run(argv, io) {
    const { values } = parse(argv, { days: { type: 'string' } });
    const config = configFrom(values, io);
    const given = option(values, 'days');
    const days = given !== undefined ? Number(given) : config.retention.days;
    if (!Number.isFinite(days) || days < 0) throw new UsageError(`--days takes a number of days, not '${given}'`);
    const store = await SqliteStore.open({ path: config.storage.sqlite.path, synchronous: config.storage.sqlite.synchronous });
    try {
      const before = Date.now() - days * 86_400_000;
      const { events } = await store.prune(before);
      if (values.json) io.out(JSON.stringify({ pruned: events, before: new Date(before).toISOString() }));
      else io.out(`pruned ${events} event(s) received before ${new Date(before).toISOString()}`);
    } finally {
      await store.close();
    }
    return 0;
  },
};
