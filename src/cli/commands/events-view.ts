import { UsageError, type CliIO } from '../command.js';
import { option, type ParsedArgs } from '../context.js';
import type { HookdConfig } from '../../config/load.js';
import type { Outcome } from '../../dispatch/types.js';
import type { EventSummaryJson } from '../../admin/event-json.js';
import { eventQueryFrom } from '../../admin/event-query.js';
import { HookdError } from '../../errors.js';
import { openStore } from '../../store/open.js';
import type { EventQuery, Store } from '../../store/types.js';

/**
 * What `events list`, `show` and `tail` share: a read-only look at the store (with or without a
 * receiver running: SQLite's WAL readers never block the writer), the filter options, and the
 * table layout.
 */
// Their help is FILTER_HELP in ../verbs.ts, so `--help` needs no SQLite: an option added here is described there.
export const FILTER_OPTIONS = {
  source: { type: 'string' },
  status: { type: 'string' },
  schema: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  search: { type: 'string' },
  plugin: { type: 'string' },
  outcome: { type: 'string' },
  limit: { type: 'string', short: 'n' },
} as const;

/** The configured store, read-only: a UsageError says so when there is nothing to read yet. */
export function openReader(config: HookdConfig): Promise<Store> {
  return openStore(config.storage, { readOnly: true });
}

export function queryFrom(values: ParsedArgs['values'], defaultLimit: number): EventQuery {
  try {
    const q = eventQueryFrom({
      source: option(values, 'source'),
      status: option(values, 'status'),
      schema: option(values, 'schema'),
      since: option(values, 'since'),
      until: option(values, 'until'),
      search: option(values, 'search'),
      plugin: option(values, 'plugin'),
      outcome: option(values, 'outcome'),
      limit: option(values, 'limit') ?? String(defaultLimit),
    });
    return q;
  } catch (err) {
    if (err instanceof HookdError) throw new UsageError(`--${String(err.body?.field ?? 'filter')}: ${err.message}`);
    throw err;
  }
}

/** Each plugin's recorded outcome for one event. */
export function outcomesOf(store: Store, id: string): Promise<Outcome[]> {
  return store.outcomesFor(id);
}

/** Local time, to the second: what a person compares with their sender's logs. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function shortSchema(uri: string | null): string {
  return uri ? uri.replace(/^iglu:/, '') : '-';
}

export function formatSize(n: number): string {
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
}

export const EVENT_COLUMNS = ['ID', 'RECEIVED', 'SOURCE', 'STATUS', 'SIZE', 'SCHEMA', 'PLUGINS'];

export function eventCells(e: EventSummaryJson): string[] {
  return [
    e.id,
    localTime(e.receivedAt),
    e.source,
    e.status,
    formatSize(e.size),
    shortSchema(e.schema),
    e.outcomes.length ? e.outcomes.map((o) => `${o.plugin}:${o.status}`).join(' ') : '-',
  ];
}

/** Columns as wide as their widest cell, the last one unpadded. */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Fixed widths for a stream of rows (tail): the rows to come are not known yet. */
export const TAIL_WIDTHS = [26, 19, 12, 11, 9, 48];
export function fixedRow(cells: string[]): string {
  return cells
    .map((c, i) => (i < TAIL_WIDTHS.length && TAIL_WIDTHS[i] ? c.padEnd(TAIL_WIDTHS[i]!) : c))
    .join('  ')
    .trimEnd();
}

export function printJsonLines(io: CliIO, items: unknown[]): void {
  for (const item of items) io.out(JSON.stringify(item));
}
