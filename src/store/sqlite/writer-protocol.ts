import type { WriteOpName } from './ops/index.js';

/** Messages between the event loop and the writer thread. */
export type WriterRequest =
  | { type: 'call'; id: number; op: WriteOpName; args: unknown; deadline?: number }
  | { type: 'close' };

export type WriterResponse =
  | { type: 'ready'; applied: number[] }
  | { type: 'fatal'; error: { message: string; code: string } }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: { code: string; message: string } }
  /** One committed transaction: how many calls shared it (metrics). */
  | { type: 'batch'; size: number; ms: number }
  | { type: 'closed' };
