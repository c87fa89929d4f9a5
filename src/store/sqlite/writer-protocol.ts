import type { WriteOpName } from './ops/index.js';

/** Messages between the event loop and the writer thread. */
export interface WriterCall {
  id: number;
  op: WriteOpName;
  args: unknown;
  deadline?: number;
}

export type WriterRequest =
  /** Every call made during one turn of the event loop, in the order they were made. */
  { type: 'calls'; calls: WriterCall[] } | { type: 'close' };

export type WriterResult = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { code: string; message: string } };

export type WriterResponse =
  | { type: 'ready'; applied: number[] }
  | { type: 'fatal'; error: { message: string; code: string } }
  /**
   * Every answer of one flush in one message (one wake-up of the event loop, not one per call);
   * `batch` when a transaction was committed: how many calls shared it (metrics).
   */
  | { type: 'results'; results: WriterResult[]; batch?: { size: number; ms: number; committedAt: number } }
  | { type: 'closed' };
