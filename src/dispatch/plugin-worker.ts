/**
 * A plugin's own thread: it imports the plugin file and calls handle() for each event of a batch,
 * one after another. Whatever the plugin does here — throw, hang, spin, process.exit() — stays in
 * this thread; the dispatcher on the main thread times each event out and replaces the thread when
 * it has to.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { pino, type Logger } from 'pino';
import { eventDocument } from '../event-document.js';
import { releaseSoon } from '../memory.js';
import { isName, NAME_RULE } from '../names.js';
import { describeError, OUTPUT_LIMIT, truncate, type PluginMeta } from './handler.js';
import type { PluginContext, PluginDefinition, PluginEvent } from './plugin.js';
import type { FromWorker, ToWorker, WireEvent, WorkerInit } from './worker-protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const send = (msg: FromWorker) => port.postMessage(msg);
const defaultName = path.basename(init.file).replace(/\.(c|m)?js$/, '');
// Synchronous writes to stdout: a line logged just before the thread is terminated is not lost.
const baseLogger = pino({ level: init.level, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));

/** The call being run: the current event's controller (ctx.signal), and whether to start another event. */
let running: { call: number; controller: AbortController; more: boolean } | undefined;

let plugin: PluginDefinition;
let name = defaultName;

try {
  const mod = (await import(pathToFileURL(init.file).href)) as { default?: unknown };
  // `export default {…}`, `module.exports = {…}`, or named exports (`export function handle…`).
  const def = (mod.default ?? mod) as PluginDefinition;
  if (!def || typeof def.handle !== 'function') throw new Error('the plugin exports no handle(event, ctx) function (export default { match, handle })');
  if (def.name !== undefined && !isName(def.name)) {
    throw new Error(`name must be ${NAME_RULE}`);
  }
  if (def.from !== undefined && def.from !== 'beginning' && def.from !== 'newest') throw new Error('from must be "beginning" or "newest"');
  if (def.onError !== undefined && typeof def.onError !== 'function') throw new Error('onError must be a function');
  plugin = def;
  name = def.name ?? defaultName;
  const meta: PluginMeta = {
    name,
    match: plainData(def.match),
    continueOnError: def.continueOnError === true,
    from: def.from ?? 'newest',
  };
  send({ type: 'loaded', meta });
} catch (err) {
  send({ type: 'load-failed', error: describeError(err) });
  // Nothing more to do; the host ends this thread.
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'handle': {
      const { events, attempt } = msg;
      // The events of one request share its body; a big batch's bytes are garbage once handled.
      const bytes = events.reduce((n, e) => n + e.payload.byteLength, events[0]?.body.byteLength ?? 0);
      void run(msg.call, events.length, (i, signal) => {
        const event = toPluginEvent(events[i]!);
        return plugin.handle(event, contextFor(event, attempt, signal));
      }).then(() => releaseSoon(bytes));
      break;
    }
    case 'onError': {
      const { attempt, error } = msg;
      void run(msg.call, 1, async (_, signal) => {
        const event = toPluginEvent(msg.event);
        await plugin.onError?.(new Error(error), event, contextFor(event, attempt, signal));
      });
      break;
    }
    case 'abort':
      if (running?.call !== msg.call) break;
      running.more = false;
      running.controller.abort(new DOMException(`the attempt timed out`, 'TimeoutError'));
      break;
    case 'stop':
      if (running?.call === msg.call) running.more = false;
      break;
  }
});

/**
 * Runs a call's events strictly one after another, each with its own ctx.signal, and reports each as
 * it finishes; the first failure (or an abort, or a stop) ends the call.
 */
async function run(call: number, count: number, step: (i: number, signal: AbortSignal) => unknown): Promise<void> {
  const current = { call, controller: new AbortController(), more: true };
  running = current;
  for (let i = 0; i < count; i++) {
    if (i > 0) current.controller = new AbortController();
    const started = performance.now();
    let result: { ok: boolean; error?: string; output?: string | null };
    try {
      result = { ok: true, output: outputOf(await step(i, current.controller.signal)) };
    } catch (err) {
      result = { ok: false, error: describeError(err) };
    }
    const last = !result.ok || !current.more || i === count - 1;
    send({ type: 'result', call, ...result, ms: performance.now() - started, startedAt: performance.timeOrigin + started, last });
    if (last) break;
  }
  if (running === current) running = undefined;
}

/** Built per event, but the child logger only when the plugin uses it: most never log. */
function contextFor(event: PluginEvent, attempt: number, signal: AbortSignal): PluginContext {
  let logger: Logger | undefined;
  return {
    get logger() {
      return (logger ??= baseLogger.child({ plugin: name, event: event.id, attempt }));
    },
    signal,
    attempt,
  };
}

function toPluginEvent(wire: WireEvent): PluginEvent {
  return { ...eventDocument(wire), body: Buffer.from(wire.body.buffer, wire.body.byteOffset, wire.body.byteLength) };
}

function outputOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return truncate(value, OUTPUT_LIMIT);
  try {
    return truncate(JSON.stringify(value) ?? String(value), OUTPUT_LIMIT);
  } catch {
    return truncate(String(value), OUTPUT_LIMIT);
  }
}

function plainData(match: unknown): unknown {
  try {
    return structuredClone(match);
  } catch {
    throw new Error('match must be plain data ({source, schema, where}), not functions');
  }
}
