import { UsageError, type CliIO } from '../command.js';
import { EVENT_SUBCOMMANDS } from '../verbs.js';

/** `hookd events <subcommand>`: runs the named row of the subcommand table, importing only that row's code. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  const sub = EVENT_SUBCOMMANDS.find((c) => c.name === name);
  if (!sub) throw new UsageError(name ? `unknown subcommand '${name}'` : `name a subcommand: ${EVENT_SUBCOMMANDS.map((c) => c.name).join(', ')}`);
  return (await sub.load()).run(rest, io);
}
