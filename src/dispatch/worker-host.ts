import { Worker } from 'node:worker_threads';
import type { StoredEvent } from '../store/types.js';
import type { EventResult, PluginHandler, PluginMeta } from './handler.js';
import type { FromWorker, ToWorker, WireEvent, WorkerInit } from './worker-protocol.js';

export interface WorkerHostOptions {
  file: string;
  timeoutMs: number;
  /** Log level for the plugin's logger. */
  level: string;
}

const LOAD_TIMEOUT_FLOOR_MS = 10_000;

/**
 * A plugin thread's young generation: 8 MB instead of V8's default of up to 3 × 16 MB semi-spaces
 * (less RSS under load with the bench plugin, the same throughput: the bench's RSS column). Only the
 * nursery is capped; the old generation is V8's default, so a plugin that needs memory gets it.
 */
const PLUGIN_THREAD_HEAP = { maxYoungGenerationSizeMb: 8 };

type WorkerResult = Extract<FromWorker, { type: 'result' }>;

interface Pending {
  call: number;
  worker: Worker;
  /** The worker finished the current event. */
  result: (msg: WorkerResult) => void;
  /** The thread is gone (or the plugin unloaded): the current event fails with why. */
  end: (error: string) => void;
}

/**
 * The main thread's side of a file plugin: one worker thread that imports the file and is handed
 * a batch of events per call. Each event is bounded from here (the timer restarts as each one
 * finishes): at timeoutMs the plugin's ctx.signal aborts and the rest of the batch is not run; a
 * plugin that does not give the thread back shortly after (a busy loop, a promise that never
 * settles) has its thread terminated and a fresh one started for the next call. A thread that
 * exits (process.exit, an uncaught error) fails the event in flight (the ones before it are done)
 * and is replaced the same way.
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
        resourceLimits: PLUGIN_THREAD_HEAP,
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
          this.pending.result(msg);
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
        if (this.pending?.worker === worker) this.pending.end(crash ? `the plugin crashed: ${crash}` : `the plugin's thread exited (code ${code})`);
      });
    });
  }

  callBatch(events: StoredEvent[], attempt: number, stop?: AbortSignal): Promise<EventResult[]> {
    return this.send((call) => ({ type: 'handle', call, events: events.map(wire), attempt }), stop);
  }

  async onError(event: StoredEvent, error: string, attempt: number): Promise<void> {
    await this.send((call) => ({ type: 'onError', call, event: wire(event), attempt, error }));
  }

  private async send(message: (call: number) => ToWorker, stop?: AbortSignal): Promise<EventResult[]> {
    if (this.closed) return [{ ok: false, error: 'the plugin was unloaded', ms: 0 }];
    if (!this.worker) {
      // The last thread died or was terminated: the next call gets a fresh one.
      try {
        await this.load();
      } catch (err) {
        return [{ ok: false, error: `the plugin could not be loaded: ${(err as Error).message}`, ms: 0 }];
      }
    }
    const worker = this.worker!;
    const call = this.nextCall++;
    return new Promise((resolve) => {
      const results: EventResult[] = [];
      /** When the current event started, as seen from here. */
      let started = 0;
      let deadline: NodeJS.Timeout | undefined;
      let grace: NodeJS.Timeout | undefined;
      let timedOut = false;
      const armDeadline = () => {
        started = performance.now();
        deadline = setTimeout(() => {
          timedOut = true;
          worker.postMessage({ type: 'abort', call } satisfies ToWorker);
          grace = setTimeout(() => {
            finish();
            this.stop(worker);
          }, this.graceMs);
        }, this.opts.timeoutMs);
      };
      const onStop = () => worker.postMessage({ type: 'stop', call } satisfies ToWorker);
      const finish = (error?: string) => {
        if (this.pending?.call !== call) return;
        this.pending = undefined;
        clearTimeout(deadline);
        clearTimeout(grace);
        stop?.removeEventListener('abort', onStop);
        const ms = performance.now() - started;
        if (timedOut) results.push({ ok: false, error: `timed out after ${this.opts.timeoutMs} ms`, ms });
        else if (error !== undefined) results.push({ ok: false, error, ms });
        resolve(results);
      };
      this.pending = {
        call,
        worker,
        result: (msg) => {
          // Past the deadline the event has failed, whatever it answers. If it finished just before the
          // abort reached its thread, the next event had started and is aborted in turn: wait for that one.
          if (timedOut) {
            if (msg.last) finish();
            return;
          }
          clearTimeout(deadline);
          const timing = { ms: msg.ms, startedAt: msg.startedAt };
          results.push(msg.ok ? { ok: true, output: msg.output ?? null, ...timing } : { ok: false, error: msg.error ?? 'failed', ...timing });
          if (msg.last) finish();
          else armDeadline();
        },
        end: finish,
      };
      armDeadline();
      worker.postMessage(message(call));
      if (stop?.aborted) onStop();
      else stop?.addEventListener('abort', onStop, { once: true });
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
    this.pending?.end('the plugin was unloaded');
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
