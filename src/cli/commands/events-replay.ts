import { UsageError, type CliIO } from '../command.js';
import { configFrom, option, parse } from '../context.js';
import { parseTime } from '../../admin/event-query.js';
import { HookdError } from '../../errors.js';
import { openStore } from '../../store/open.js';
import type { EventQuery } from '../../store/types.js';

/** `hookd events replay`: queues stored events for the plugins again (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    plugin: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    source: { type: 'string' },
  });
  const plugin = option(values, 'plugin');
  const range = ['since', 'until', 'source'].some((k) => option(values, k) !== undefined);
  if (positionals.length && range) throw new UsageError('give event ids or a range (--since/--until/--source), not both');
  if (!positionals.length && !range) throw new UsageError('name the events: ids, or a range with --since/--until/--source');
  let query: EventQuery | undefined;
  if (range) {
    const now = Date.now();
    query = { status: 'accepted', order: 'oldest', limit: 500 };
    try {
      const since = option(values, 'since');
      const until = option(values, 'until');
      if (since !== undefined) query.since = parseTime(since, now, 'since');
      if (until !== undefined) query.until = parseTime(until, now, 'until');
    } catch (err) {
      if (err instanceof HookdError) throw new UsageError(err.message);
      throw err;
    }
    const source = option(values, 'source');
    if (source !== undefined) query.source = source;
  }

  const config = configFrom(values, io);
  const store = await openStore(config.storage);
  try {
    const known = (await store.pluginCursors()).filter((p) => p.present || p.plugin === plugin);
    if (plugin !== undefined && !known.some((p) => p.plugin === plugin)) {
      io.err(`hookd events replay: no plugin named '${plugin}' (see hookd plugins list)`);
      return 1;
    }
    const ids: string[] = [];
    const missing: string[] = [];
    const quarantined: string[] = [];
    if (query) {
      // Page through the range oldest first; the queue keeps that order.
      for (;;) {
        const page = await store.searchEvents(query);
        ids.push(...page.map((e) => e.id));
        if (page.length < query.limit) break;
        query.afterSeq = page[page.length - 1]!.seq;
      }
    } else {
      for (const id of positionals) {
        const event = await store.getEvent(id);
        if (!event) missing.push(id);
        else if (event.status !== 'accepted') quarantined.push(id);
        else ids.push(id);
      }
    }
    const queued = ids.length ? await store.enqueueRedelivery(ids, plugin) : 0;
    const targets = plugin !== undefined ? [plugin] : known.map((p) => p.plugin);
    if (values.json) {
      io.out(JSON.stringify({ events: ids.length, queued, plugins: targets, missing, quarantined }));
    } else {
      for (const id of missing) io.err(`no event ${id}`);
      for (const id of quarantined) io.err(`${id} is quarantined: not replayed (release it with hookd events revalidate)`);
      if (!targets.length) io.err('no plugins are loaded yet: nothing to replay to');
      io.out(`queued ${ids.length} event(s) for ${targets.length ? targets.join(', ') : 'no plugin'}: ${queued} deliver${queued === 1 ? 'y' : 'ies'}`);
    }
    return missing.length ? 1 : 0;
  } finally {
    await store.close();
  }
}
