import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { PluginHandler, PluginMeta } from './handler.js';
import { compileMatch } from './match.js';
import { WorkerHost } from './worker-host.js';

/** `.js`, `.mjs`, `.cjs`; names starting with `.` or `_` are left alone (helpers a plugin imports, editor files). */
export const PLUGIN_FILE = /^[^._].*\.(c|m)?js$/;

export interface PluginFilesOptions {
  /** plugins.dir. */
  dir: string;
  /** plugins.timeoutMs, for each plugin's thread. */
  timeoutMs: number;
  logger: Logger;
  /** Who has a plugin name now: the file that provides it, null for a built-in, undefined for nobody. */
  ownerOf: (name: string) => string | null | undefined;
  /**
   * A file's plugin is loaded, or loaded again with new code. `broken`: the file could not be
   * loaded, and `handler` stands in for it, failing every call with why. Awaited: files are applied
   * one at a time, in file-name order.
   */
  loaded: (file: string, meta: PluginMeta, handler: PluginHandler, hash: string, broken?: string) => Promise<void>;
  /** The plugin a file provided is gone (the file was removed, or now names another plugin). Awaited. */
  removed: (name: string, reason: string) => Promise<void>;
}

/** A file in plugins.dir as last seen. */
interface PluginFile {
  hash: string;
  mtimeMs: number;
  size: number;
  /** The plugin it provides, once registered. */
  name?: string;
  /** Not loaded because another plugin has this name; tried again once that one is gone. */
  blockedBy?: string;
}

/**
 * plugins.dir kept in step with what is loaded: each file's plugin is imported in its own thread
 * (WorkerHost) when the file appears or its contents change, and reported through `loaded`; a file
 * that cannot be loaded is reported as broken; a removed file's plugin through `removed`. It knows
 * files and names only: what a plugin does with events is the dispatcher's.
 */
export class PluginFiles {
  private readonly files = new Map<string, PluginFile>();
  private scanning: Promise<void> = Promise.resolve();
  /** Plugin threads still importing their file: a shutdown does not wait for a slow import. */
  private readonly loading = new Set<WorkerHost>();
  private rescanTimer: NodeJS.Timeout | undefined;
  private watcher: fs.FSWatcher | undefined;
  private closed = false;

  constructor(private readonly opts: PluginFilesOptions) {}

  /** Loads every file, then watches the directory. Resolves once each is loaded or known broken. */
  async start(): Promise<void> {
    await this.rescan();
    this.watch();
  }

  /** The dispatcher's poll: watches again if the watcher failed (or the directory was missing), and rescans. */
  poll(): void {
    if (this.closed) return;
    if (!this.watcher) this.watch();
    void this.rescan();
  }

  /** Stops watching; threads still importing are closed; resolves once the scan under way is done. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.rescanTimer);
    this.watcher?.close();
    for (const host of this.loading) void host.close();
    await this.scanning;
  }

  /** fs.watch is quick but not reliable everywhere; the poll rescans too. */
  private watch(): void {
    if (this.closed) return;
    try {
      this.watcher = fs.watch(this.opts.dir, () => {
        clearTimeout(this.rescanTimer);
        this.rescanTimer = setTimeout(() => void this.rescan(), 50);
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined; // no such directory (yet)
    }
  }

  /** Compares plugins.dir with what is loaded: loads new files, reloads changed ones, unloads removed ones. One at a time. */
  private rescan(): Promise<void> {
    this.scanning = this.scanning.then(() => this.scanOnce()).catch((err) => this.opts.logger.error({ err }, 'dispatch: scanning plugins failed'));
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    if (this.closed) return;
    const { dir, ownerOf } = this.opts;
    let names: string[] = [];
    try {
      names = fs
        .readdirSync(dir)
        .filter((n) => PLUGIN_FILE.test(n))
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const present = new Set(names.map((n) => path.join(dir, n)));
    for (const [file, seen] of this.files) {
      if (present.has(file)) continue;
      this.files.delete(file);
      if (seen.name) await this.opts.removed(seen.name, 'its file was removed');
    }

    const changed: { file: string; seen: PluginFile }[] = [];
    for (const file of present) {
      let stat: fs.Stats;
      let text: Buffer;
      try {
        stat = fs.statSync(file);
        const known = this.files.get(file);
        const unblocked = known?.blockedBy !== undefined && ownerOf(known.blockedBy) === undefined;
        if (known && !unblocked && known.mtimeMs === stat.mtimeMs && known.size === stat.size) continue;
        text = fs.readFileSync(file);
      } catch {
        continue; // removed while we looked; the next scan sees it gone
      }
      const hash = createHash('sha256').update(text).digest('hex');
      const known = this.files.get(file);
      if (known && known.hash === hash && known.blockedBy === undefined) {
        Object.assign(known, { mtimeMs: stat.mtimeMs, size: stat.size });
        continue;
      }
      const seen: PluginFile = { hash, mtimeMs: stat.mtimeMs, size: stat.size, ...(known?.name ? { name: known.name } : {}) };
      this.files.set(file, seen);
      changed.push({ file, seen });
    }
    if (changed.length === 0) return;

    // Load in parallel (each in its own thread), apply in file-name order.
    const loads = changed.map(({ file }) => {
      const host = new WorkerHost({ file, timeoutMs: this.opts.timeoutMs, level: this.opts.logger.level });
      this.loading.add(host);
      return host
        .load()
        .then(
          (meta) => ({ host, meta, error: undefined }),
          (err: Error) => ({ host, meta: undefined, error: err.message }),
        )
        .finally(() => this.loading.delete(host));
    });
    const results = await Promise.all(loads);
    for (const [i, { file, seen }] of changed.entries()) {
      const { host, meta, error } = results[i]!;
      if (this.closed) {
        await host.close();
        continue;
      }
      if (meta) {
        try {
          compileMatch(meta.match);
        } catch (err) {
          await host.close();
          await this.loadFailed(file, seen, (err as Error).message);
          continue;
        }
        const owner = ownerOf(meta.name);
        if (owner !== undefined && owner !== file) {
          await host.close();
          seen.blockedBy = meta.name;
          this.opts.logger.error({ plugin: meta.name, file, other: owner ?? 'config' }, 'another plugin already has this name; not loaded');
          continue;
        }
        if (seen.name && seen.name !== meta.name) await this.opts.removed(seen.name, `renamed to ${meta.name}`);
        seen.name = meta.name;
        await this.opts.loaded(file, meta, host, seen.hash);
      } else {
        await host.close();
        await this.loadFailed(file, seen, error!);
      }
    }
  }

  /**
   * A file that cannot be loaded (syntax error, no handle(), bad match) is a deactivated plugin
   * under its file name: its cursor stays where it was (or starts now), and fixing the file
   * re-activates it.
   */
  private async loadFailed(file: string, seen: PluginFile, error: string): Promise<void> {
    const name = seen.name ?? path.basename(file).replace(/\.(c|m)?js$/, '');
    this.opts.logger.error({ plugin: name, file, err: error }, 'plugin could not be loaded');
    const owner = this.opts.ownerOf(name);
    if (owner !== undefined && owner !== file) return; // the name belongs to another plugin
    seen.name = name;
    await this.opts.loaded(file, { name, match: undefined, continueOnError: false, from: 'newest' }, new BrokenPlugin(error), seen.hash, error);
  }
}

/** Stands in for a plugin file that cannot be loaded: every call fails with why. */
class BrokenPlugin implements PluginHandler {
  readonly origin = 'file' as const;
  constructor(private readonly error: string) {}
  async load(): Promise<PluginMeta> {
    throw new Error(this.error);
  }
  async callBatch() {
    return [{ ok: false, error: `could not be loaded: ${this.error}`, ms: 0 }];
  }
  async onError(): Promise<void> {}
  async close(): Promise<void> {}
}
