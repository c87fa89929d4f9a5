import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { HookdError, unavailable } from '../../errors.js';
import type { OpenOptions } from './migrate.js';
import type { WriteOpArgs, WriteOpName, WriteOpResult } from './ops/index.js';
import type { WriterCall, WriterRequest, WriterResponse, WriterResult } from './writer-protocol.js';

export interface WriterOptions extends OpenOptions {
  path: string;
  migrationsDir: string;
}

/**
 * The writer's JS heap holds a batch of calls at a time, a few MB at most; V8's default young
 * generation (up to 3 × 16 MB semi-spaces per thread) would only add resident memory.
 */
const WRITER_HEAP = { maxYoungGenerationSizeMb: 6 };

interface Pending {
  /** committedAt: when the transaction holding the call committed (epoch ms). */
  resolve: (value: unknown, committedAt: number | undefined) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The event loop's handle on the writer thread. A call with a deadline settles by then, whatever
 * the thread is doing: a 503 the sender can retry beats a 200 that comes too late or never.
 * Emits 'batch' ({size, ms}) per committed transaction and 'restart' (Error) if the thread died.
 */
export class WriterThread extends EventEmitter {
  private worker!: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing = false;
  /** Calls made since the last post: sent together once this turn of the event loop is over. */
  private outbox: WriterCall[] = [];

  private constructor(private readonly opts: WriterOptions) {
    super();
  }

  /** Starts the thread; resolves once the database is open and migrated. */
  static async start(opts: WriterOptions): Promise<{ writer: WriterThread; applied: number[] }> {
    const writer = new WriterThread(opts);
    const applied = await writer.spawn();
    return { writer, applied };
  }

  private spawn(): Promise<number[]> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./writer-worker.js', import.meta.url), { workerData: this.opts, resourceLimits: WRITER_HEAP });
      this.worker = worker;
      let ready = false;
      worker.on('message', (msg: WriterResponse) => {
        switch (msg.type) {
          case 'ready':
            ready = true;
            resolve(msg.applied);
            break;
          case 'fatal':
            reject(new Error(`cannot open the database at ${this.opts.path}: ${msg.error.message}`));
            break;
          case 'results':
            for (const r of msg.results) this.settle(r, msg.batch?.committedAt);
            if (msg.batch) this.emit('batch', msg.batch);
            break;
          case 'closed':
            break;
        }
      });
      worker.on('error', (err) => {
        if (!ready) reject(err);
        this.failAll(err);
      });
      worker.on('exit', (code) => {
        this.failAll(new Error(`writer thread exited with code ${code}`));
        if (ready && !this.closing) {
          this.emit('restart', new Error(`writer thread exited with code ${code}`));
          this.spawn().catch((err) => this.emit('error', err));
        }
      });
    });
  }

  call<K extends WriteOpName>(op: K, args: WriteOpArgs<K>, deadline?: number): Promise<WriteOpResult<K>> {
    return this.send(op, args, deadline, (value) => value as WriteOpResult<K>);
  }

  /** As call(), with the time its transaction committed (epoch ms, sub-ms precision). */
  callTimed<K extends WriteOpName>(op: K, args: WriteOpArgs<K>, deadline?: number): Promise<{ value: WriteOpResult<K>; committedAt: number }> {
    return this.send(op, args, deadline, (value, committedAt) => ({ value: value as WriteOpResult<K>, committedAt: committedAt ?? Date.now() }));
  }

  private send<T>(op: WriteOpName, args: unknown, deadline: number | undefined, answer: (value: unknown, committedAt: number | undefined) => T): Promise<T> {
    if (this.closing) return Promise.reject(unavailable('shutting_down', 'hookd is shutting down'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      if (deadline !== undefined) {
        timer = setTimeout(
          () => {
            this.pending.delete(id);
            reject(unavailable('commit_timeout', 'the event could not be committed before the ack deadline; retry'));
          },
          Math.max(0, deadline - Date.now()),
        );
      }
      this.pending.set(id, { resolve: (value, committedAt) => resolve(answer(value, committedAt)), reject, timer });
      if (this.outbox.length === 0) setImmediate(this.post);
      this.outbox.push({ id, op, args, ...(deadline !== undefined ? { deadline } : {}) });
    });
  }

  /**
   * One message per turn of the event loop, not one per call: under load several webhooks finish
   * their checks in the same turn, and each post costs both threads a structured clone and a wake-up.
   */
  private readonly post = (): void => {
    const calls = this.outbox;
    this.outbox = [];
    if (calls.length) this.worker.postMessage({ type: 'calls', calls } satisfies WriterRequest);
  };

  private settle(msg: WriterResult, committedAt: number | undefined): void {
    const p = this.pending.get(msg.id);
    if (!p) return; // its deadline already answered the sender
    this.pending.delete(msg.id);
    if (p.timer) clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.value, committedAt);
    else p.reject(storeError(msg.error.code, msg.error.message));
  }

  private failAll(cause: Error): void {
    this.outbox = []; // their callers are answered below; a later thread must not run them
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      if (p.timer) clearTimeout(p.timer);
      p.reject(unavailable('store_unavailable', 'the event store is unavailable; retry', 5, cause));
    }
  }

  /** Lets queued calls commit, then closes the database and ends the thread. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.post(); // calls made in this turn go before the close
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' } satisfies WriterRequest);
    await exited;
  }
}

/** Every store failure is the receiver's problem, never the sender's: 503, retry. */
function storeError(code: string, message: string): HookdError {
  if (code === 'deadline_passed') return unavailable('commit_timeout', 'the event could not be committed before the ack deadline; retry');
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return unavailable('store_busy', 'the event store is locked; retry');
  if (code === 'SQLITE_FULL') return unavailable('store_full', 'the event store is out of disk space; retry', 30);
  return unavailable('store_error', `the event could not be stored (${code}); retry`, 5, new Error(message));
}
