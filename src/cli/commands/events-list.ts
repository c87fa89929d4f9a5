import type { CliIO } from '../command.js';
import { configFrom, parse } from '../context.js';
import { summaryJson } from '../../admin/event-json.js';
import { EVENT_COLUMNS, eventCells, FILTER_OPTIONS, formatTable, openReader, outcomesOf, printJsonLines, queryFrom } from './events-view.js';

/** `hookd events list`: the newest stored events, read straight from the database (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, FILTER_OPTIONS);
  const config = configFrom(values, io);
  const query = queryFrom(values, 20);
  const reader = await openReader(config);
  try {
    const events = [];
    for (const e of await reader.searchEvents(query)) events.push(summaryJson(e, await outcomesOf(reader, e.id)));
    if (values.json) printJsonLines(io, events);
    else if (!events.length) io.err('no events match');
    else for (const line of formatTable(EVENT_COLUMNS, events.map(eventCells))) io.out(line);
  } finally {
    await reader.close();
  }
  return 0;
}
