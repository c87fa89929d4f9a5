/**
 * The writer thread: the only connection that writes. better-sqlite3 is synchronous, so an fsync,
 * a lock held by another process or a slow disk blocks this thread and never the one answering
 * HTTP. Everything that arrives while a transaction commits is run in the next one (group commit):
 * one fsync for many acks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { releaseSoon } from '../../memory.js';
import type { NewRequest } from '../types.js';
import { applyPragmas, migrate, type OpenOptions } from './migrate.js';
import { RELAXED_OPS, WRITE_OPS, type WriteOpName } from './ops/index.js';
import type { WriterCall as Call, WriterRequest, WriterResponse, WriterResult } from './writer-protocol.js';

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

// A call that fails must not undo the others sharing its transaction, so each call can run in its
// own savepoint. A savepoint costs about as much CPU as the call itself (SAVEPOINT + RELEASE), and
// calls almost never fail: a batch runs without them, and only if one of its calls throws is the
// transaction rolled back and the batch run again with a savepoint per call.
const inSavepoint = db.transaction((op: (args: unknown) => unknown, args: unknown) => op(args));

let queue: Call[] = [];
let scheduled = false;
let closing = false;
/** A queue of relaxed writes only, waiting a little for a durable one to share its transaction. */
let waiting: NodeJS.Timeout | undefined;

/**
 * How long plugin progress (RELAXED_OPS) alone waits for company. Under load an event's commit
 * comes within a millisecond or two and carries it for free; without this, every handover's
 * progress was a transaction of its own, as many commits as events. Idle, a cursor is committed
 * this much later, which nothing waits on (the dispatcher pipelines its progress).
 */
const RELAXED_WAIT_MS = 10;

port.on('message', (msg: WriterRequest) => {
  if (msg.type === 'close') {
    closing = true;
    if (waiting) flushSoon();
    else if (!scheduled) finish();
    return;
  }
  queue.push(...msg.calls);
  if (scheduled) return;
  if (queue.every((m) => RELAXED_OPS.has(m.op))) {
    waiting ??= setTimeout(flushSoon, RELAXED_WAIT_MS);
    return;
  }
  flushSoon();
});

function flushSoon(): void {
  clearTimeout(waiting);
  waiting = undefined;
  if (scheduled) return;
  scheduled = true;
  setImmediate(flush);
}

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  const results: WriterResult[] = [];
  const expired = (m: Call) => m.deadline !== undefined && m.deadline <= Date.now();
  const live = batch.filter((m) => {
    if (!expired(m)) return true;
    results.push(failure(m.id, 'deadline_passed', 'the ack deadline passed before the commit started'));
    return false;
  });
  if (live.length) setDurability(live.every((m) => RELAXED_OPS.has(m.op)));
  const committed = live.length ? runBatch(live, results) : undefined;
  if (results.length) port.postMessage({ type: 'results', results, ...(committed ? { batch: committed } : {}) } satisfies WriterResponse);
  for (const m of live) if (m.op === 'appendRequest') releaseSoon((m.args as NewRequest).body.byteLength);
  if (closing && queue.length === 0) finish();
}

// synchronous=FULL/EXTRA, as configured, except for batches of relaxed writes only (RELAXED_OPS).
const configuredSync = opts.synchronous.toUpperCase();
const canRelax = configuredSync === 'FULL' || configuredSync === 'EXTRA';
let relaxed = false;
function setDurability(relax: boolean): void {
  if (!canRelax || relax === relaxed) return;
  db.pragma(`synchronous = ${relax ? 'NORMAL' : configuredSync}`);
  relaxed = relax;
}

/** Runs `live` in one transaction; answers the batch's size and duration if it committed. */
function runBatch(live: Call[], results: WriterResult[]): { size: number; ms: number; committedAt: number } | undefined {
  const started = Date.now();
  const begin = (): boolean => {
    try {
      db.exec('BEGIN IMMEDIATE'); // waits up to busy_timeout for another process's lock
      return true;
    } catch (err) {
      for (const m of live) results.push(failure(m.id, codeOf(err), describe(err).message));
      return false;
    }
  };
  if (!begin()) return undefined;
  let done = runCalls(live, false);
  if (done === null) {
    rollback();
    if (!begin()) return undefined;
    done = runCalls(live, true)!;
  }
  try {
    db.exec('COMMIT');
    results.push(...done);
  } catch (err) {
    rollback();
    for (const m of live) results.push(failure(m.id, codeOf(err), describe(err).message));
    return undefined;
  }
  // committedAt: epoch ms with sub-ms precision, comparable with the other threads' (dispatch lag).
  return { size: live.length, ms: Date.now() - started, committedAt: performance.timeOrigin + performance.now() };
}

/** The calls' results inside the open transaction; null (fast path only) as soon as one throws. */
function runCalls(live: Call[], isolated: boolean): WriterResult[] | null {
  const done: WriterResult[] = [];
  for (const m of live) {
    // Waiting for the lock may have used up a sender's deadline: a commit it cannot be told about is useless to it.
    if (m.deadline !== undefined && m.deadline <= Date.now()) {
      done.push(failure(m.id, 'deadline_passed', 'the ack deadline passed while waiting for the database lock'));
      continue;
    }
    try {
      done.push({ id: m.id, ok: true, value: isolated ? inSavepoint(ops[m.op], m.args) : ops[m.op](m.args) });
    } catch (err) {
      if (!isolated) return null;
      done.push(failure(m.id, codeOf(err), describe(err).message));
    }
  }
  return done;
}

function rollback(): void {
  if (!db.inTransaction) return; // SQLite may already have rolled back (SQLITE_FULL)
  try {
    db.exec('ROLLBACK');
  } catch {
    /* nothing left to undo */
  }
}

function finish(): void {
  try {
    db.close();
  } finally {
    port.postMessage({ type: 'closed' } satisfies WriterResponse);
    port.close();
  }
}

function failure(id: number, code: string, message: string): WriterResult {
  return { id, ok: false, error: { code, message } };
}

function codeOf(err: unknown): string {
  return (err as { code?: string }).code ?? 'write_failed';
}

function describe(err: unknown): { message: string; code: string } {
  return { message: (err as Error)?.message ?? String(err), code: codeOf(err) };
}
