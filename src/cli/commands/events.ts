import type { Command } from '../command.js';
import { UsageError } from '../context.js';
import { eventsList } from './events-list.js';
import { eventsReplay } from './events-replay.js';
import { eventsRevalidate } from './events-revalidate.js';
import { eventsShow } from './events-show.js';
import { eventsTail } from './events-tail.js';

/** `hookd events <subcommand>`: one row per subcommand (SPEC §1: list, show, tail, replay, revalidate). */
export const EVENT_SUBCOMMANDS: Command[] = [eventsList, eventsShow, eventsTail, eventsReplay, eventsRevalidate];

export const events: Command = {
  name: 'events',
  subcommands: EVENT_SUBCOMMANDS,
  get summary() {
    return `stored events: ${EVENT_SUBCOMMANDS.map((c) => c.name).join(', ')}`;
  },
  get usage() {
    const width = Math.max(...EVENT_SUBCOMMANDS.map((c) => c.name.length));
    return [
      `hookd events <${EVENT_SUBCOMMANDS.map((c) => c.name).join('|')}> [options]`,
      '',
      ...EVENT_SUBCOMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
      '',
      ...EVENT_SUBCOMMANDS.map((c) => c.usage + '\n'),
    ].join('\n').trimEnd();
  },
  async run(argv, io) {
    const [name, ...rest] = argv;
    const sub = EVENT_SUBCOMMANDS.find((c) => c.name === name);
    if (!sub) throw new UsageError(name ? `unknown subcommand '${name}'` : `name a subcommand: ${EVENT_SUBCOMMANDS.map((c) => c.name).join(', ')}`);
    return sub.run(rest, io);
  },
};
