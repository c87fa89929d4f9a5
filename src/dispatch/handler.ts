import type { StoredEvent } from '../store/types.js';

/** What a plugin declares about itself, read when it is loaded. */
export interface PluginMeta {
  name: string;
  /** The `match` as declared (compiled by the dispatcher). */
  match: unknown;
  continueOnError: boolean;
  from: 'newest' | 'beginning';
}

/** One attempt's result; a handler never throws. */
export interface CallResult {
  ok: boolean;
  error?: string;
  /** What the plugin returned, exec's output or forward's answer, truncated. */
  output?: string | null;
}

/**
 * How the dispatcher runs one plugin: a JS file in a worker thread, or a built-in (`exec`,
 * `forward`). One call at a time; each call ends by plugins.timeoutMs, whatever the plugin does.
 */
export interface PluginHandler {
  readonly origin: 'file' | 'exec' | 'forward';
  load(): Promise<PluginMeta>;
  call(event: StoredEvent, attempt: number): Promise<CallResult>;
  /** The plugin's own onError hook, once an event's attempts are used up (best effort). */
  onError(event: StoredEvent, error: string, attempt: number): Promise<void>;
  close(): Promise<void>;
}

export const OUTPUT_LIMIT = 4096;

/** Keeps the start and the end (where errors usually are) of a long text. */
export function truncate(text: string, limit = OUTPUT_LIMIT): string {
  if (text.length <= limit) return text;
  const head = Math.floor(limit / 4);
  const tail = limit - head;
  return `${text.slice(0, head)}\n…[${text.length - limit} characters cut]…\n${text.slice(-tail)}`;
}

/** A thrown value as one line for an outcome: `TypeError: x is undefined`. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return truncate(`${err.name === 'Error' ? '' : err.name + ': '}${err.message}`, 2000);
  return truncate(String(err), 2000);
}
