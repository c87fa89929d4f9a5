import type { CliIO, Command } from '../command.js';
import { configFrom, parse, UsageError } from '../context.js';
import type { HookdConfig } from '../../config/load.js';
import { SqliteStore } from '../../store/sqlite/index.js';
import type { PluginCursor } from '../../store/types.js';
import { formatTable, openReader } from './events-view.js';

const USAGE = `hookd plugins list [--json] [--config FILE]
hookd plugins enable <name> [--config FILE]
hookd plugins disable <name> [--config FILE]

list     Every plugin hookd has loaded, from the database (with or without a receiver running):
         state (active, deactivated, disabled), cursor (the last event it is finished with), lag
         (events after its cursor), consecutive failures and the last error. A plugin whose file
         or config entry is gone is shown as removed; its cursor is kept for when it returns.
         --json prints one object per line.
enable   Makes a disabled or deactivated plugin active again; it catches up from its cursor.
disable  Stops handing events to a plugin; its cursor stays where it is until it is enabled.
         A running receiver sees enable/disable within plugins.pollMs (default 500 ms).`;

export const plugins: Command = {
  name: 'plugins',
  summary: 'list plugins (state, cursor, lag, last error); enable or disable one',
  usage: USAGE,
  async run(argv, io) {
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
  },
};

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

function list(config: HookdConfig, json: boolean, io: CliIO): number {
  const reader = openReader(config);
  try {
    const rows = reader.plugins.pluginCursors().map((p) => pluginJson(p, reader.plugins.countEventsAfter(p.cursor)));
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
    reader.close();
  }
}

async function setState(config: HookdConfig, name: string, action: 'enable' | 'disable', json: boolean, io: CliIO): Promise<number> {
  const store = await SqliteStore.open({ path: config.storage.sqlite.path, synchronous: config.storage.sqlite.synchronous });
  try {
    const row = await store.updatePlugin(name, action === 'enable' ? { state: 'active', failures: 0 } : { state: 'disabled' });
    if (!row) {
      io.err(`hookd plugins ${action}: no plugin named '${name}' (see hookd plugins list)`);
      return 1;
    }
    if (json) io.out(JSON.stringify(pluginJson(row, store.countEventsAfter(row.cursor))));
    else io.out(`${name}: ${row.state}${action === 'enable' ? `, catching up from event #${row.cursor}` : ''} (a running receiver follows within ${config.plugins.pollMs} ms)`);
    return 0;
  } finally {
    await store.close();
  }
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 100 ? line.slice(0, 99) + '…' : line;
}
