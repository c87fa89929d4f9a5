import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { StoredEvent } from '../store/types.js';
import { callEach, describeError, truncate, type CallResult, type EventResult, type PluginHandler, type PluginMeta } from './handler.js';
import { valueAt } from '../value-at.js';
import type { BuiltinPluginConfig, ExecConfig, ForwardConfig } from './plugin.js';

/** The config entry's fingerprint: a changed entry re-activates a deactivated built-in at the next start. */
export function builtinHash(cfg: BuiltinPluginConfig): string {
  return createHash('sha256').update(JSON.stringify(cfg)).digest('hex');
}

function metaOf(cfg: BuiltinPluginConfig): PluginMeta {
  return { name: cfg.name, match: cfg.match, continueOnError: cfg.continueOnError === true, from: cfg.from ?? 'newest' };
}

/** The event as a JSON document: what `exec` writes to stdin. */
export function eventJson(event: StoredEvent): Record<string, unknown> {
  return {
    id: event.id,
    source: event.source,
    receivedAt: new Date(event.receivedAt).toISOString(),
    schema: event.schema,
    headers: event.headers,
    payload: parsePayload(event),
  };
}

function parsePayload(event: StoredEvent): unknown {
  try {
    return JSON.parse(event.payload.toString('utf8'));
  } catch {
    return null;
  }
}

/** Variables every exec'd command gets from hookd's own environment; nothing else leaks (secrets stay home). */
const BASE_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SYSTEMROOT'];
const CAPTURE_LIMIT = 64 * 1024;

/**
 * `exec`: runs a program (no shell) per event, as adnanh/webhook users expect. The event JSON goes
 * to stdin; HOOKD_EVENT_ID, HOOKD_SOURCE, HOOKD_SCHEMA, HOOKD_RECEIVED_AT, HOOKD_ATTEMPT and the
 * configured payload fields go to the environment. Exit 0 is done; stdout and stderr, interleaved
 * and truncated, become the outcome's output. At the timeout its whole process group is killed.
 */
export class ExecHandler implements PluginHandler {
  readonly origin = 'exec' as const;
  private readonly exec: ExecConfig;
  private readonly running = new Set<number>();

  constructor(
    private readonly cfg: BuiltinPluginConfig,
    private readonly opts: { timeoutMs: number; baseDir: string; env: NodeJS.ProcessEnv },
  ) {
    this.exec = cfg.exec!;
  }

  async load(): Promise<PluginMeta> {
    return metaOf(this.cfg);
  }

  callBatch(events: StoredEvent[], attempt: number, stop?: AbortSignal): Promise<EventResult[]> {
    return callEach(this, events, attempt, stop);
  }

  call(event: StoredEvent, attempt: number): Promise<CallResult> {
    const json = eventJson(event);
    const env: NodeJS.ProcessEnv = {};
    for (const name of [...BASE_ENV, ...(this.exec.passEnv ?? [])]) if (this.opts.env[name] !== undefined) env[name] = this.opts.env[name];
    Object.assign(env, {
      HOOKD_EVENT_ID: event.id,
      HOOKD_SOURCE: event.source,
      HOOKD_SCHEMA: event.schema ?? '',
      HOOKD_RECEIVED_AT: json.receivedAt as string,
      HOOKD_ATTEMPT: String(attempt),
    });
    for (const [name, dotted] of Object.entries(this.exec.env ?? {})) {
      const value = valueAt(json.payload, dotted.split('.'));
      if (value !== undefined) env[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    const group = process.platform !== 'win32';
    return new Promise((resolve) => {
      let output = '';
      let cut = 0;
      let timedOut = false;
      const child = spawn(this.exec.command, this.exec.args ?? [], {
        cwd: path.resolve(this.opts.baseDir, this.exec.cwd ?? '.'),
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group, so a timeout kills what it started too (sh -c, pipelines).
        detached: group,
        windowsHide: true,
      });
      const kill = () => {
        try {
          if (group && child.pid) process.kill(-child.pid, 'SIGKILL');
          else child.kill('SIGKILL');
        } catch {
          /* already gone */
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, this.opts.timeoutMs);
      const collect = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.length > CAPTURE_LIMIT) {
          cut += output.length - CAPTURE_LIMIT / 2;
          output = output.slice(-CAPTURE_LIMIT / 2);
        }
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.stdin.on('error', () => {}); // a command that does not read stdin is fine
      child.stdin.end(JSON.stringify(json));
      if (child.pid) this.running.add(child.pid);
      const captured = () => truncate((cut ? `…[${cut} characters cut]…\n` : '') + output) || null;
      child.on('error', (err) => {
        clearTimeout(timer);
        resolve({ ok: false, error: `cannot run ${this.exec.command}: ${describeError(err)}`, output: captured() });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (child.pid) this.running.delete(child.pid);
        const out = captured();
        if (timedOut) resolve({ ok: false, error: `timed out after ${this.opts.timeoutMs} ms`, output: out });
        else if (code === 0) resolve({ ok: true, output: out });
        else resolve({ ok: false, error: signal ? `killed by ${signal}` : `exited with code ${code}${out ? ': ' + lastLine(out) : ''}`, output: out });
      });
    });
  }

  async onError(): Promise<void> {}

  async close(): Promise<void> {
    for (const pid of this.running) {
      try {
        process.kill(process.platform !== 'win32' ? -pid : pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

/** Not forwarded: they describe the hop hookd received it on, not the event. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect',
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

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1]!.slice(0, 200);
}
