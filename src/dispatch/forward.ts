import type { StoredEvent } from '../store/types.js';
import { metaOf } from './builtins.js';
import { callEach, describeError, truncate, type CallResult, type EventResult, type PluginHandler, type PluginMeta } from './handler.js';
import type { BuiltinPluginConfig, ForwardConfig } from './plugin.js';

/** Not forwarded: they describe the hop hookd received it on, not the event. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

/** Requests a forward plugin remembers having POSTed: far more than one batch's events ever span. */
const FORWARDED_KEPT = 64;

/**
 * `forward`: POSTs the event's raw body with its original headers (less hop-by-hop ones) plus
 * X-Hookd-Event-Id to a URL, for local debugging as with smee or `stripe listen`. A 2xx is done;
 * anything else, a network error or the timeout fails the attempt. A request is POSTed once: the
 * other events of a ShotGrid batch (one signed body, many deliveries) are done with the first one
 * this plugin takes; a redelivery (`hookd events replay`) always POSTs again.
 */
export class ForwardHandler implements PluginHandler {
  readonly origin = 'forward' as const;
  private readonly forward: ForwardConfig;
  private readonly inflight = new Set<AbortController>();
  /** Request id → the event it was POSTed with, oldest first (at most FORWARDED_KEPT). */
  private readonly forwarded = new Map<string, string>();

  constructor(
    private readonly cfg: BuiltinPluginConfig,
    private readonly opts: { timeoutMs: number },
  ) {
    this.forward = cfg.forward!;
  }

  async load(): Promise<PluginMeta> {
    return metaOf(this.cfg);
  }

  callBatch(events: StoredEvent[], attempt: number, stop?: AbortSignal, how?: { redelivery?: boolean }): Promise<EventResult[]> {
    const again = how?.redelivery === true;
    return callEach({ call: (event) => this.call(event, again) }, events, attempt, stop);
  }

  async call(event: StoredEvent, again = false): Promise<CallResult> {
    const postedWith = again ? undefined : this.forwarded.get(event.requestId);
    if (postedWith !== undefined) return { ok: true, output: `not POSTed again: its request was forwarded with event ${postedWith}` };
    const result = await this.post(event);
    if (result.ok) this.remember(event.requestId, event.id);
    return result;
  }

  private remember(requestId: string, eventId: string): void {
    this.forwarded.delete(requestId);
    this.forwarded.set(requestId, eventId);
    if (this.forwarded.size > FORWARDED_KEPT) this.forwarded.delete(this.forwarded.keys().next().value!);
  }

  private async post(event: StoredEvent): Promise<CallResult> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(event.headers)) {
      if (HOP_BY_HOP.has(name.toLowerCase())) continue;
      try {
        headers.set(name, value);
      } catch {
        /* a header fetch refuses to send */
      }
    }
    for (const [name, value] of Object.entries(this.forward.headers ?? {})) headers.set(name, value);
    headers.set('x-hookd-event-id', event.id);
    const controller = new AbortController();
    this.inflight.add(controller);
    const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
    try {
      const res = await fetch(this.forward.url, { method: 'POST', headers, body: event.body, signal: controller.signal, redirect: 'manual' });
      const text = await readSome(res, 8192);
      const output = truncate(`HTTP ${res.status}${text ? '\n' + text : ''}`);
      if (res.status >= 200 && res.status < 300) return { ok: true, output };
      return { ok: false, error: `${this.forward.url} answered ${res.status}`, output };
    } catch (err) {
      if (controller.signal.aborted) return { ok: false, error: `timed out after ${this.opts.timeoutMs} ms` };
      const cause = (err as { cause?: unknown }).cause;
      return { ok: false, error: `cannot POST to ${this.forward.url}: ${describeError(cause ?? err)}` };
    } finally {
      clearTimeout(timer);
      this.inflight.delete(controller);
    }
  }

  async onError(): Promise<void> {}

  async close(): Promise<void> {
    for (const c of this.inflight) c.abort();
  }
}

async function readSome(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= limit) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
