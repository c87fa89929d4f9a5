import type { Command } from '../command.js';
import { configFrom, parse } from '../context.js';
import { summaryJson } from '../../admin/event-json.js';
import { EVENT_COLUMNS, eventCells, FILTER_HELP, FILTER_OPTIONS, formatTable, openReader, outcomesOf, printJsonLines, queryFrom } from './events-view.js';

/** `hookd events list`: the newest stored events, read straight from the database. */
export const eventsList: Command = {
  name: 'list',
  summary: 'list stored events, newest first, with filters',
  usage: `hookd events list [filters] [--limit N] [--json] [--config FILE]

Lists stored events, newest first (default 20, at most 500), straight from the database: works
whether or not the receiver is running. --json prints one JSON object per line, the same shape
as the admin API's GET /api/events.

${FILTER_HELP}

Examples:
  hookd events list --status quarantined
  hookd events list --source foundries --since 1h --search FAILED`,
  async run(argv, io) {
    const { values } = parse(argv, FILTER_OPTIONS);
    const config = configFrom(values, io);
    const query = queryFrom(values, 20);
    const reader = openReader(config);
    try {
      const events = reader.searchEvents(query).map((e) => summaryJson(e, outcomesOf(reader, e.id)));
      if (values.json) printJsonLines(io, events);
      else if (!events.length) io.err('no events match');
      else for (const line of formatTable(EVENT_COLUMNS, events.map(eventCells))) io.out(line);
    } finally {
      reader.close();
    }
    return 0;
  },
};
