import { spawn } from 'node:child_process';
import path from 'node:path';
import type { StoredEvent } from '../store/types.js';
import { valueAt } from '../value-at.js';
import { eventDocument } from '../event-document.js';
import { metaOf } from './builtins.js';
import { callEach, describeError, truncate, type CallResult, type EventResult, type PluginHandler, type PluginMeta } from './handler.js';
import type { BuiltinPluginConfig, ExecConfig } from './plugin.js';

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
    const json = eventDocument(event);
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

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1]!.slice(0, 200);
}
