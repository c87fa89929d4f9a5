import type { PluginMeta } from './handler.js';

/** An event as it crosses into a plugin's worker: bytes stay bytes, the worker parses the payload. */
export interface WireEvent {
  id: string;
  source: string;
  receivedAt: number;
  schema: string | null;
  headers: Record<string, string>;
  payload: Uint8Array;
  body: Uint8Array;
}

export interface WorkerInit {
  file: string;
  /** The receiver's log level: a plugin's logger writes at the same level. */
  level: string;
}

/**
 * One call at a time. The worker answers each event of a call with a `result` as it finishes, so
 * the host can time every event on its own; the last one has `last` set.
 */
export type ToWorker =
  /** Run these events one after another, stopping at the first failure. */
  | { type: 'handle'; call: number; events: WireEvent[]; attempt: number }
  | { type: 'onError'; call: number; event: WireEvent; attempt: number; error: string }
  /** The current event's time is up: its ctx.signal aborts, and no further event of the call starts. */
  | { type: 'abort'; call: number }
  /** Let the current event finish, but start no further one (a graceful stop, or the batch ran long enough). */
  | { type: 'stop'; call: number };

export type FromWorker =
  | { type: 'loaded'; meta: PluginMeta }
  | { type: 'load-failed'; error: string }
  /** One event finished; `ms` is the plugin's own time on it, measured in its thread, which began at `startedAt` (epoch ms). */
  | { type: 'result'; call: number; ok: boolean; error?: string; output?: string | null; ms: number; startedAt: number; last: boolean };
