import { Worker } from 'node:worker_threads';
import type { StoredEvent } from '../store/types.js';
import type { CallResult, PluginHandler, PluginMeta } from './handler.js';
import type { FromWorker, ToWorker, WireEvent, WorkerInit } from './worker-protocol.js';

export interface WorkerHostOptions {
  file: string;
  timeoutMs: number;
  /** Log level for the plugin's logger. */
  level: string;
}

const LOAD_TIMEOUT_FLOOR_MS = 10_000;

interface Pending {
  call: number;
  worker: Worker;
  settle: (r: CallResult) => void;
}

/**
 * The main thread's side of a file plugin: one worker thread that imports the file. Each call is
 * bounded from here: at timeoutMs the plugin's ctx.signal aborts; a plugin that does not give the
 * thread back shortly after (a busy loop, a promise that never settles) has its thread terminated
 * and a fresh one started for the next call. A thread that exits (process.exit, an uncaught
 * error) fails the call in flight and is replaced the same way.
 */
export class WorkerHost implements PluginHandler {
  readonly origin = 'file' as const;
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private nextCall = 1;
  private closed = false;
  /** Time a plugin gets to give the thread back after its signal aborted. */
  private readonly graceMs: number;

  constructor(private readonly opts: WorkerHostOptions) {
    this.graceMs = Math.min(1000, Math.max(50, Math.floor(opts.timeoutMs / 10)));
  }

  /** Starts a thread and imports the plugin; rejects with why it cannot be loaded. */
  load(): Promise<PluginMeta> {
    this.stop();
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./plugin-worker.js', import.meta.url), {
        workerData: { file: this.opts.file, level: this.opts.level } satisfies WorkerInit,
      });
      this.worker = worker;
      let loaded = false;
      let crash: string | undefined;
      // Starting a thread and importing a module can take a while on a busy machine: a short
      // plugins.timeoutMs must not turn that into a broken plugin.
      const loadTimeoutMs = Math.max(this.opts.timeoutMs, LOAD_TIMEOUT_FLOOR_MS);
      const timer = setTimeout(() => {
        reject(new Error(`loading took longer than ${loadTimeoutMs} ms`));
        this.stop(worker);
      }, loadTimeoutMs);
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'loaded') {
          loaded = true;
          clearTimeout(timer);
          resolve(msg.meta);
        } else if (msg.type === 'load-failed') {
          clearTimeout(timer);
          reject(new Error(msg.error));
          this.stop(worker);
        } else if (msg.type === 'result' && this.pending?.call === msg.call) {
          this.pending.settle(msg.ok ? { ok: true, output: msg.output ?? null } : { ok: false, error: msg.error ?? 'failed' });
        }
      });
      // Without this listener an uncaught error in a plugin would be rethrown on the main thread.
      worker.on('error', (err) => {
        crash = `${err.name}: ${err.message}`;
      });
      worker.on('exit', (code) => {
        clearTimeout(timer);
        if (this.worker === worker) this.worker = undefined;
        if (!loaded) reject(new Error(crash ?? `the plugin's thread exited with code ${code} while loading`));
        if (this.pending?.worker === worker) this.pending.settle({ ok: false, error: crash ? `the plugin crashed: ${crash}` : `the plugin's thread exited (code ${code})` });
      });
    });
  }

  call(event: StoredEvent, attempt: number): Promise<CallResult> {
    return this.send((call) => ({ type: 'handle', call, event: wire(event), attempt }));
  }

  async onError(event: StoredEvent, error: string, attempt: number): Promise<void> {
    await this.send((call) => ({ type: 'onError', call, event: wire(event), attempt, error }));
  }

  private async send(message: (call: number) => ToWorker): Promise<CallResult> {
    if (this.closed) return { ok: false, error: 'the plugin was unloaded' };
    if (!this.worker) {
      // The last thread died or was terminated: the next call gets a fresh one.
      try {
        await this.load();
      } catch (err) {
        return { ok: false, error: `the plugin could not be loaded: ${(err as Error).message}` };
      }
    }
    const worker = this.worker!;
    const call = this.nextCall++;
    return new Promise((resolve) => {
      let grace: NodeJS.Timeout | undefined;
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        worker.postMessage({ type: 'abort', call } satisfies ToWorker);
        grace = setTimeout(() => {
          settle({ ok: false });
          this.stop(worker);
        }, this.graceMs);
      }, this.opts.timeoutMs);
      const settle = (r: CallResult) => {
        if (this.pending?.call !== call) return;
        this.pending = undefined;
        clearTimeout(deadline);
        clearTimeout(grace);
        resolve(timedOut ? { ok: false, error: `timed out after ${this.opts.timeoutMs} ms` } : r);
      };
      this.pending = { call, worker, settle };
      worker.postMessage(message(call));
    });
  }

  /** Terminates the thread (the current one, or the one given); a call in flight fails. */
  private stop(worker = this.worker): void {
    if (!worker) return;
    if (this.worker === worker) this.worker = undefined;
    void worker.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.pending?.settle({ ok: false, error: 'the plugin was unloaded' });
    if (worker) {
      this.worker = undefined;
      await worker.terminate();
    }
  }
}

/** Bytes cross as Uint8Arrays (copied); the worker parses the payload, not the main thread. */
function wire(e: StoredEvent): WireEvent {
  return { id: e.id, source: e.source, receivedAt: e.receivedAt, schema: e.schema, headers: e.headers, payload: e.payload, body: e.body };
}
