import type { Logger } from 'pino';

/**
 * What a plugin author writes: the default export of a `.js`/`.mjs` file in plugins.dir.
 * `definePlugin()` only types it; a plain object literal works the same.
 */
export interface PluginDefinition {
  /** Default: the file name without its extension. */
  name?: string;
  /** Which events this plugin is handed; omitted, it is handed every accepted event. */
  match?: PluginMatch;
  /**
   * Called for each matching event, one at a time, in receipt order. Resolve to finish the event
   * (a returned string or JSON value is kept, truncated, as the outcome's output); throw or reject
   * to fail the attempt, which is retried with back-off.
   */
  handle(event: PluginEvent, ctx: PluginContext): unknown;
  /** Called once the attempts on an event are used up, before the plugin is deactivated (or the event dead-lettered). */
  onError?(error: Error, event: PluginEvent, ctx: PluginContext): unknown;
  /** Mark an event `failed` after the last attempt and go on, instead of deactivating the plugin. */
  continueOnError?: boolean;
  /** Where a plugin seen for the first time starts: after the newest stored event (default) or at the oldest. */
  from?: 'newest' | 'beginning';
}

export interface PluginEvent {
  /** The event's ULID. */
  id: string;
  /** The source's name in the config (the `<source>` of `POST /hooks/<source>`). */
  source: string;
  /** When hookd received it (ISO 8601). */
  receivedAt: string;
  /** The Iglu schema URI it was validated against, or null. */
  schema: string | null;
  /** Request headers as received, less secrets (lower-case names). */
  headers: Record<string, string>;
  /** This event's JSON, parsed (for a ShotGrid batch: this one delivery). */
  payload: unknown;
  /** The request's exact bytes. */
  body: Buffer;
}

export interface PluginContext {
  /** A pino child logger bound to the plugin and the event. */
  logger: Logger;
  /** Aborts when the attempt's time (plugins.timeoutMs) is up: pass it to fetch, child processes, timers. */
  signal: AbortSignal;
  /** 1 for the first attempt on this event, then 2, 3… up to plugins.attempts. */
  attempt: number;
}

/** Every given criterion must hold; a list in `source` or `schema` means any of them. */
export interface PluginMatch {
  source?: string | string[];
  /** Iglu URIs; `*` matches any run of characters within one URI part, e.g. `iglu:com.acme/build/jsonschema/1-*-*`. */
  schema?: string | string[];
  /** Conditions on the payload, all of which must hold. */
  where?: WhereCondition | WhereCondition[];
}

/**
 * One condition on a dotted path into the payload (`data.runState`, `runs.0.status`):
 * `equals` a value, is `in` a list, `exists` (true/false), or is a log level `atLeast` the given one
 * (trace < silly < debug < info < warn = warning < error < critical).
 */
export type WhereCondition =
  { path: string; equals: unknown } | { path: string; in: unknown[] } | { path: string; exists: boolean } | { path: string; atLeast: LogLevel };

export type LogLevel = 'trace' | 'silly' | 'debug' | 'info' | 'warn' | 'warning' | 'error' | 'critical';

/** Types a plugin for TypeScript authors; at runtime it answers its argument. */
export function definePlugin<T extends PluginDefinition>(plugin: T): T {
  return plugin;
}

/** A built-in plugin from the config (`plugins.builtins[]`): exactly one of `exec` or `forward`. */
export interface BuiltinPluginConfig {
  name: string;
  match?: PluginMatch;
  continueOnError?: boolean;
  from?: 'newest' | 'beginning';
  exec?: ExecConfig;
  forward?: ForwardConfig;
}

export interface ExecConfig {
  /** The program (no shell): an absolute path, or a name looked up in PATH. */
  command: string;
  args?: string[];
  /** Working directory; relative to the config file. */
  cwd?: string;
  /** Environment variables set from payload fields: `{ BUILD_STATUS: "status" }` (objects as JSON). */
  env?: Record<string, string>;
  /** Names of hookd's own environment variables passed through (nothing else is, so secrets stay home). */
  passEnv?: string[];
}

export interface ForwardConfig {
  url: string;
  /** Extra headers to send (after the original ones). */
  headers?: Record<string, string>;
}
