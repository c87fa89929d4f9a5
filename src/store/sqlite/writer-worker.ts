/**
 * The writer thread: the only connection that writes. better-sqlite3 is synchronous, so an fsync,
 * a lock held by another process or a slow disk blocks this thread and never the one answering
 * HTTP. Everything that arrives while a transaction commits is run in the next one (group commit):
 * one fsync for many acks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { applyPragmas, migrate, type OpenOptions } from './migrate.js';
import { WRITE_OPS, type WriteOpName } from './ops/index.js';
import type { WriterRequest, WriterResponse } from './writer-protocol.js';

const opts = workerData as OpenOptions & { path: string; migrationsDir: string };
const port = parentPort!;

let db: Database.Database;
const ops = {} as Record<WriteOpName, (args: unknown) => unknown>;
try {
  db = new Database(opts.path);
  applyPragmas(db, opts);
  const applied = migrate(db, opts.migrationsDir);
  for (const [name, prepare] of Object.entries(WRITE_OPS)) {
    ops[name as WriteOpName] = prepare(db) as (args: unknown) => unknown;
  }
  port.postMessage({ type: 'ready', applied: applied.map((m) => m.version) } satisfies WriterResponse);
} catch (err) {
  port.postMessage({ type: 'fatal', error: describe(err) } satisfies WriterResponse);
  process.exit(1);
}

// Savepoint per call: one bad call does not undo the others sharing the transaction.
const inSavepoint = db.transaction((op: (args: unknown) => unknown, args: unknown) => op(args));

let queue: Extract<WriterRequest, { type: 'call' }>[] = [];
let scheduled = false;
let closing = false;

port.on('message', (msg: WriterRequest) => {
  if (msg.type === 'close') {
    closing = true;
    if (!scheduled) finish();
    return;
  }
  queue.push(msg);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  const replies: WriterResponse[] = [];
  const expired = (m: (typeof batch)[number]) => m.deadline !== undefined && m.deadline <= Date.now();
  const live = batch.filter((m) => {
    if (!expired(m)) return true;
    replies.push(failure(m.id, 'deadline_passed', 'the ack deadline passed before the commit started'));
    return false;
  });
  if (live.length) runBatch(live, replies);
  for (const r of replies) port.postMessage(r);
  if (closing && queue.length === 0) finish();
}

function runBatch(live: Extract<WriterRequest, { type: 'call' }>[], replies: WriterResponse[]): void {
  const started = Date.now();
  try {
    db.exec('BEGIN IMMEDIATE'); // waits up to busy_timeout for another process's lock
  } catch (err) {
    for (const m of live) replies.push(failure(m.id, codeOf(err), describe(err).message));
    return;
  }
  const done: WriterResponse[] = [];
  for (const m of live) {
    // Waiting for the lock may have used up a sender's deadline: a commit it cannot be told about is useless to it.
    if (m.deadline !== undefined && m.deadline <= Date.now()) {
      done.push(failure(m.id, 'deadline_passed', 'the ack deadline passed while waiting for the database lock'));
      continue;
    }
    try {
      done.push({ type: 'result', id: m.id, ok: true, value: inSavepoint(ops[m.op], m.args) });
    } catch (err) {
      done.push(failure(m.id, codeOf(err), describe(err).message));
    }
  }
  try {
    db.exec('COMMIT');
    replies.push(...done);
  } catch (err) {
    if (db.inTransaction) {
      try {
        db.exec('ROLLBACK');
      } catch {
        /* SQLite may already have rolled back (SQLITE_FULL) */
      }
    }
    for (const m of live) replies.push(failure(m.id, codeOf(err), describe(err).message));
    return;
  }
  port.postMessage({ type: 'batch', size: live.length, ms: Date.now() - started } satisfies WriterResponse);
}

function finish(): void {
  try {
    db.close();
  } finally {
    port.postMessage({ type: 'closed' } satisfies WriterResponse);
    port.close();
  }
}

function failure(id: number, code: string, message: string): WriterResponse {
  return { type: 'result', id, ok: false, error: { code, message } };
}

function codeOf(err: unknown): string {
  return (err as { code?: string }).code ?? 'write_failed';
}

function describe(err: unknown): { message: string; code: string } {
  return { message: (err as Error)?.message ?? String(err), code: codeOf(err) };
}
