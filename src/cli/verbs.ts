import type { Command } from './command.js';

/**
 * Every verb of `hookd` (README → CLI lists them): its help, and where its code is. The help is here,
 * apart from the code, so `hookd --help` imports no command and `hookd sign` imports only sign's:
 * no Express, SQLite or dispatcher for a verb that does not use them.
 */
export const COMMANDS: Command[] = [
  {
    name: 'serve',
    summary: 'run the receiver (ingest on :8080, admin on 127.0.0.1:8081)',
    usage: `hookd serve [--config FILE]

Runs the receiver with the config from --config, HOOKD_CONFIG, ./hookd.yaml or ./hookd.json, or the
embedded defaults (one source, 'jobserv'). SIGTERM/SIGINT stop it gracefully: no new connections,
in-flight commits finish, the database is closed, exit 0.`,
    load: () => import('./commands/serve.js'),
  },
  {
    name: 'events',
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
      ]
        .join('\n')
        .trimEnd();
    },
    get subcommands() {
      return EVENT_SUBCOMMANDS;
    },
    load: () => import('./commands/events.js'),
  },
  {
    name: 'plugins',
    summary: 'list plugins (state, cursor, lag, last error); enable or disable one',
    usage: `hookd plugins list [--json] [--config FILE]
hookd plugins enable <name> [--config FILE]
hookd plugins disable <name> [--config FILE]

list     Every plugin hookd has loaded, from the database (with or without a receiver running):
         state (active, deactivated, disabled), cursor (the last event it is finished with), lag
         (events after its cursor), consecutive failures and the last error. A plugin whose file
         or config entry is gone is shown as removed; its cursor is kept for when it returns.
         --json prints one object per line.
enable   Makes a disabled or deactivated plugin active again; it catches up from its cursor.
disable  Stops handing events to a plugin; its cursor stays where it is until it is enabled.
         A running receiver sees enable/disable within plugins.pollMs (default 500 ms).`,
    load: () => import('./commands/plugins.js'),
  },
  {
    name: 'sign',
    summary: "print the signature header(s) a source's sender would put on a body",
    usage: `hookd sign <source> <file|-> [--config FILE] [--json]

Signs the exact bytes of <file> (or standard input) the way the source's sender does, with the
secret hookd uses for that source, and prints the header lines, e.g.
  X-JobServ-Sig: sha256:…
Use it with curl:  curl -H "$(hookd sign jobserv body.json)" --data-binary @body.json …`,
    load: () => import('./commands/sign.js'),
  },
  {
    name: 'send',
    summary: "sign a file and POST it to a running receiver, as the source's sender would",
    usage: `hookd send <source> <file|-> [--url URL] [--config FILE] [--json]

POSTs the exact bytes of <file> to <url>/hooks/<source> (default: this config's receiver on
127.0.0.1:<server.port>) with the sender's Content-Type and signature or token headers.
Prints the answer; exits 0 on a 2xx, 1 otherwise.`,
    load: () => import('./commands/send.js'),
  },
  {
    name: 'schemas',
    summary: 'resolve an Iglu schema URI, or check a payload file against its schema',
    usage: `hookd schemas resolve <iglu-uri> [--config FILE] [--json]
hookd schemas check <file|-> [--source NAME | --schema URI] [--config FILE] [--json]

resolve  Looks the schema up as the receiver would (the iglu.resolver config's repositories, then
         hookd's embedded registry) and prints the lookup order, the repository that answered
         and the schema. Exit 1 if the URI is malformed, no registry has it, or a registry that
         might have it cannot be reached.
check    Validates a payload file the way ingest would:
           --source NAME  that source's schema rule (a configured source, else a kind:
                          iglu = self-describing; jobserv, shotgrid, aurora = hookd's schema;
                          hkube = progress or result by 'level'; a ShotGrid batch is split
                          into its deliveries and each is checked)
           --schema URI   the whole payload against that schema
           neither        self-describing JSON: {"schema": "iglu:…", "data": …}
         Exit 0 when valid; exit 1 with each error as 'path: message'.
         --json prints one object per payload checked.`,
    load: () => import('./commands/schemas.js'),
  },
  {
    name: 'migrate',
    summary: 'create or upgrade the database from migrations/',
    usage: `hookd migrate [--config FILE]

Applies every migrations/NNN_*.sql file not yet recorded in schema_migrations, each in its own
transaction. \`hookd serve\` does the same at start; this verb is for deploy pipelines.`,
    load: () => import('./commands/migrate.js'),
  },
  {
    name: 'prune',
    summary: 'delete events older than the retention (retention.days, default 7)',
    usage: `hookd prune [--days N] [--config FILE] [--json]

Deletes events received more than N days ago (default: retention.days) and the request bodies no
remaining event points at. The receiver does the same on a timer (retention.intervalMinutes).`,
    load: () => import('./commands/prune.js'),
  },
  {
    name: 'doctor',
    summary: 'check config, secrets, database, registries and plugins; exit 1 on a problem',
    usage: `hookd doctor [--config FILE] [--json]

Loads the config as \`serve\` would and checks each part without changing anything: every
source has a secret (or says verify: none), the data dir is writable, the database opens and its
migrations are current, every schema a source needs resolves, the plugins dir is readable, the
admin API has its own port on loopback and, if a receiver answers there, it is ready (/readyz)
and accepts this config's admin token.
Prints one line per finding (--json: one JSON object per line); exits 1 if any finding is a failure.`,
    load: () => import('./commands/doctor.js'),
  },
];

/** The filters `events list` and `events tail` take (FILTER_OPTIONS in commands/events-view.ts). */
const FILTER_HELP = `Filters:
  --source NAME        events of one source
  --status STATUS      accepted or quarantined
  --schema URI         an exact Iglu URI, or a pattern with * (iglu:dev.hookd.jobserv/*)
  --since TIME         received at or after TIME: ISO date/time, epoch ms, or an age (15m, 2h, 7d)
  --until TIME         received before TIME
  --search TEXT        events whose body contains TEXT (ASCII case-insensitive)
  --outcome STATUS     events with a plugin outcome of STATUS: pending, done, failed, skipped
  --plugin NAME        events with an outcome for plugin NAME (with --outcome: of that status)`;

/** `hookd events <subcommand>`: one row per subcommand (list, show, tail, replay, revalidate). */
export const EVENT_SUBCOMMANDS: Command[] = [
  {
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
    load: () => import('./commands/events-list.js'),
  },
  {
    name: 'show',
    summary: 'show one event: headers, body, validation errors, plugin outcomes',
    usage: `hookd events show <id> [--raw] [--json] [--config FILE]

Prints one stored event: when and from where it came, its schema and status, why it was
quarantined (if it was), its headers, its body (pretty-printed JSON) and each plugin's outcome.
  --raw    write the exact bytes as received to stdout, nothing else (hookd events show ID --raw > body.json)
  --json   one JSON object, the same shape as the admin API's GET /api/events/:id`,
    load: () => import('./commands/events-show.js'),
  },
  {
    name: 'tail',
    summary: 'follow new events as they arrive, like tail -f',
    usage: `hookd events tail [filters] [-n N] [--interval MS] [--json] [--config FILE]

Prints the last N events (default 10; -n 0 for none), then each new event as it is stored, until
interrupted (Ctrl-C). Reads the database directly: start it before or after the receiver.
--json prints one JSON object per line. --interval sets how often to look (default 500 ms).

${FILTER_HELP}`,
    load: () => import('./commands/events-tail.js'),
  },
  {
    name: 'replay',
    summary: 'hand stored events to the plugins again (one plugin with --plugin)',
    usage: `hookd events replay <id>... [--plugin NAME] [--config FILE] [--json]
hookd events replay --since TIME [--until TIME] [--source NAME] [--plugin NAME] [--config FILE] [--json]

Queues stored events to be handed again to every plugin (or only --plugin NAME), in receipt
order, ahead of each plugin's cursor. The events were verified when they arrived, so no
signature or timestamp can have gone stale. A plugin whose match does not take an event skips
it; quarantined events are not replayed (release them with \`hookd events revalidate\`).
A running receiver picks the queue up within plugins.pollMs; otherwise the next start does.
  --since TIME   events received at or after TIME: ISO date/time, epoch ms, or an age (15m, 2h, 7d)
  --until TIME   events received before TIME
  --source NAME  only this source's events
Exit 1 if a named event or plugin does not exist.`,
    load: () => import('./commands/events-replay.js'),
  },
  {
    name: 'revalidate',
    summary: 're-check quarantined events against the schemas as they are now; release those that pass to the plugins',
    usage: `hookd events revalidate [--source NAME] [--schema URI-or-pattern] [--config FILE] [--json]

Checks every quarantined event (optionally only one source's, or only those whose stored schema
is URI or matches a pattern with '*', e.g. 'iglu:com.snowplowanalytics.factotum/*') against the
schemas as the config finds them now: the iglu.resolver repositories, then hookd's embedded
registry, read afresh. Events that pass become 'accepted' with the schema they passed, and are
queued for every plugin; events that still fail keep 'quarantined' with their current errors.
Works on the database file whether or not a receiver is running.
Prints one line per event and a summary (--json: one object per event, then {"summary": …}).
Exits 1 if a registry could not be reached (those events are left as they were), else 0.`,
    load: () => import('./commands/events-revalidate.js'),
  },
];
