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

/** One event's result in a batch. */
export interface EventResult extends CallResult {
  /**
   * The plugin's own time on this event (measured in its thread for a file plugin; until the
   * deadline or the crash for an event that did not finish), not a share of the batch's time:
   * what hookd_plugin_handle_duration_seconds observes.
   */
  ms: number;
  /** When the handler started on this event (epoch ms, sub-ms precision), where known: dispatch lag ends here. */
  startedAt?: number;
}

/**
 * How the dispatcher runs one plugin: a JS file in a worker thread, or a built-in (`exec`,
 * `forward`). One batch at a time; each event in it ends by plugins.timeoutMs, whatever the plugin
 * does.
 */
export interface PluginHandler {
  readonly origin: 'file' | 'exec' | 'forward';
  load(): Promise<PluginMeta>;
  /**
   * Hands over events strictly one after another and answers the results of a prefix: every event
   * up to and including the first failure (nothing after a failure runs, so order and at least once
   * hold). The first event always runs; once `stop` aborts, no further one starts, so the prefix may
   * end early without a failure. A retry or a redelivery is a batch of one; `how.redelivery` says
   * it is handed over again on request (`hookd events replay`, revalidate), not in cursor order.
   */
  callBatch(events: StoredEvent[], attempt: number, stop?: AbortSignal, how?: { redelivery?: boolean }): Promise<EventResult[]>;
  /** The plugin's own onError hook, once an event's attempts are used up (best effort). */
  onError(event: StoredEvent, error: string, attempt: number): Promise<void>;
  close(): Promise<void>;
}

/** callBatch for a handler whose events are independent calls (the built-ins): a loop over `call`. */
export async function callEach(
  handler: { call(event: StoredEvent, attempt: number): Promise<CallResult> },
  events: StoredEvent[],
  attempt: number,
  stop?: AbortSignal,
): Promise<EventResult[]> {
  const results: EventResult[] = [];
  for (const event of events) {
    const started = performance.now();
    const result = await handler.call(event, attempt);
    results.push({ ...result, ms: performance.now() - started, startedAt: performance.timeOrigin + started });
    if (!result.ok || stop?.aborted) break;
  }
  return results;
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
