import { UsageError, type CliIO } from '../command.js';
import { configFrom, parse } from '../context.js';
import type { HookdConfig } from '../../config/load.js';
import { openStore } from '../../store/open.js';
import type { PluginCursor } from '../../store/types.js';
import { formatTable, openReader } from './events-view.js';

/** `hookd plugins list|enable|disable`: on the database, with or without a receiver running (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {});
  const config = configFrom(values, io);
  if (sub === 'list') {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    return list(config, values.json === true, io);
  }
  if (sub === 'enable' || sub === 'disable') {
    if (positionals.length !== 1) throw new UsageError(`name one plugin to ${sub}`);
    return setState(config, positionals[0]!, sub, values.json === true, io);
  }
  throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'name a subcommand: list, enable or disable');
}

/** The shape of `GET /api/plugins` items, plus whether the plugin's file or config entry is still there. */
function pluginJson(p: PluginCursor, lag: number) {
  return {
    name: p.plugin,
    origin: p.origin,
    ...(p.file ? { file: p.file } : {}),
    state: p.state,
    cursor: p.cursor,
    lag,
    lastError: p.lastError,
    failures: p.failures,
    present: p.present,
  };
}

async function list(config: HookdConfig, json: boolean, io: CliIO): Promise<number> {
  const reader = await openReader(config);
  try {
    const rows = [];
    for (const p of await reader.pluginCursors()) rows.push(pluginJson(p, await reader.countEventsAfter(p.cursor)));
    if (json) {
      for (const r of rows) io.out(JSON.stringify(r));
      return 0;
    }
    if (rows.length === 0) {
      io.err(`no plugins have been loaded yet: put .js/.mjs files in ${config.plugins.dir} or add plugins.builtins, then start hookd`);
      return 0;
    }
    const table = rows.map((r) => [
      r.name,
      r.origin,
      r.present ? r.state : `${r.state} (removed)`,
      String(r.cursor),
      String(r.lag),
      String(r.failures),
      r.lastError ? oneLine(r.lastError) : '-',
    ]);
    for (const line of formatTable(['NAME', 'ORIGIN', 'STATE', 'CURSOR', 'LAG', 'FAILURES', 'LAST ERROR'], table)) io.out(line);
    return 0;
  } finally {
    await reader.close();
  }
}

async function setState(config: HookdConfig, name: string, action: 'enable' | 'disable', json: boolean, io: CliIO): Promise<number> {
  const store = await openStore(config.storage);
  try {
    const row = await store.updatePlugin(name, action === 'enable' ? { state: 'active', failures: 0 } : { state: 'disabled' });
    if (!row) {
      io.err(`hookd plugins ${action}: no plugin named '${name}' (see hookd plugins list)`);
      return 1;
    }
    if (json) io.out(JSON.stringify(pluginJson(row, await store.countEventsAfter(row.cursor))));
    else
      io.out(
        `${name}: ${row.state}${action === 'enable' ? `, catching up from event #${row.cursor}` : ''} (a running receiver follows within ${config.plugins.pollMs} ms)`,
      );
    return 0;
  } finally {
    await store.close();
  }
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 100 ? line.slice(0, 99) + '…' : line;
}
