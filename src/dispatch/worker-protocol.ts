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

export type ToWorker =
  | { type: 'handle'; call: number; event: WireEvent; attempt: number }
  | { type: 'onError'; call: number; event: WireEvent; attempt: number; error: string }
  /** The attempt's time is up: ctx.signal aborts. */
  | { type: 'abort'; call: number };

export type FromWorker =
  | { type: 'loaded'; meta: PluginMeta }
  | { type: 'load-failed'; error: string }
  | { type: 'result'; call: number; ok: boolean; error?: string; output?: string | null };
