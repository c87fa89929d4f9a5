import type Database from 'better-sqlite3';
import { prepareAppendRequest } from './appendRequest.js';
import { prepareEnqueueRedelivery } from './enqueueRedelivery.js';
import { preparePrune } from './prune.js';
import { prepareRecordDispatch } from './recordDispatch.js';
import { prepareRegisterPlugin } from './registerPlugin.js';
import { prepareUpdatePlugin } from './updatePlugin.js';
import { prepareUpdateValidation } from './updateValidation.js';

/**
 * Every write the store makes, one file per operation. The writer thread prepares them once and
 * runs whatever arrives together inside one transaction (group commit).
 */
export const WRITE_OPS = {
  appendRequest: prepareAppendRequest,
  prune: preparePrune,
  updateValidation: prepareUpdateValidation,
  registerPlugin: prepareRegisterPlugin,
  updatePlugin: prepareUpdatePlugin,
  recordDispatch: prepareRecordDispatch,
  enqueueRedelivery: prepareEnqueueRedelivery,
} satisfies Record<string, (db: Database.Database) => (args: never) => unknown>;

export type WriteOpName = keyof typeof WRITE_OPS;

/**
 * Writes a power cut may undo without losing anything acknowledged: a plugin's progress (outcomes,
 * cursor, failure count). Lost, it only means events are handed over again (at least once). A batch
 * of nothing but these commits without its own fsync (synchronous=NORMAL, still atomic and
 * consistent in WAL mode); the next full commit's fsync of the WAL makes it durable too. Every other
 * write, above all an event the sender is about to get a 200 for, commits with the configured fsync.
 */
export const RELAXED_OPS: ReadonlySet<WriteOpName> = new Set(['recordDispatch']);
export type WriteOpArgs<K extends WriteOpName> = Parameters<ReturnType<(typeof WRITE_OPS)[K]>>[0];
export type WriteOpResult<K extends WriteOpName> = ReturnType<ReturnType<(typeof WRITE_OPS)[K]>>;
