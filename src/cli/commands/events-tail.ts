import { UsageError, type CliIO } from '../command.js';
import { configFrom, option, parse } from '../context.js';
import { summaryJson } from '../../admin/event-json.js';
import type { EventSummary } from '../../store/types.js';
import { EVENT_COLUMNS, eventCells, FILTER_OPTIONS, fixedRow, openReader, outcomesOf, queryFrom } from './events-view.js';

/**
 * `hookd events tail`: the last few events, then every new one as it is committed, until Ctrl-C.
 * It polls the database by seq (cheap: an index range read), so it follows a receiver in another
 * process, or one started later. Help: ../verbs.ts.
 */
const PAGE = 500;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { ...FILTER_OPTIONS, interval: { type: 'string' } });
  const config = configFrom(values, io);
  // -n 0: nothing up front, only what arrives from now on.
  const none = option(values, 'limit') === '0';
  const query = queryFrom(none ? { ...values, limit: undefined } : values, 10);
  const initial = none ? 0 : query.limit;
  const interval = Number(option(values, 'interval') ?? 500);
  if (!Number.isFinite(interval) || interval < 50) throw new UsageError('--interval takes milliseconds, at least 50');
  const reader = await openReader(config);

  const print = async (events: EventSummary[]) => {
    for (const e of events) {
      const json = summaryJson(e, await outcomesOf(reader, e.id));
      io.out(values.json ? JSON.stringify(json) : fixedRow(eventCells(json)));
    }
  };

  // Ctrl-C is caught before the first line is printed: a caller that stops us right after
  // reading it gets a clean exit, not a kill.
  let timer: NodeJS.Timeout | undefined = undefined;
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      clearInterval(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

  // Where following starts is fixed before anything is printed: a caller that waits for the
  // first line and then sends a webhook sees it.
  let seq = await reader.latestSeq();
  const last = initial ? (await reader.searchEvents({ ...query, beforeSeq: seq + 1, limit: initial })).reverse() : [];
  if (!values.json) io.out(fixedRow(EVENT_COLUMNS));
  await print(last);

  // One look at a time: a slow read must not overlap the next one and print an event twice.
  let looking: Promise<void> | undefined;
  const look = async () => {
    try {
      const top = await reader.latestSeq();
      // Everything up to `top` is visible (and nothing below it appears later); a burst bigger than a page is read page by page.
      while (top > seq) {
        const fresh = await reader.searchEvents({ ...query, afterSeq: seq, beforeSeq: top + 1, order: 'oldest', limit: PAGE });
        await print(fresh);
        seq = fresh.length < PAGE ? top : fresh[fresh.length - 1]!.seq;
      }
    } catch (err) {
      io.err(`hookd events tail: ${(err as Error).message}`);
    }
  };
  timer = setInterval(() => {
    looking ??= look().finally(() => (looking = undefined));
  }, interval);
  await stopped;
  await looking;
  await reader.close();
  return 0;
}
