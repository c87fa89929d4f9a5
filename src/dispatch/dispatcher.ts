import { EventEmitter } from 'node:events';
import type { HookdConfig } from '../config/load.js';
import { HookdError } from '../errors.js';
import type { IngestObserver } from '../ingest/observer.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { builtinHash } from './builtins.js';
import { ExecHandler } from './exec.js';
import { ForwardHandler } from './forward.js';
import { CommitTimes } from './commit-times.js';
import { PluginDelivery } from './delivery.js';
import type { PluginHandler, PluginMeta } from './handler.js';
import type { BuiltinPluginConfig } from './plugin.js';
import { PluginFiles } from './plugin-files.js';
import type { Dispatcher, DispatcherEvents, Outcome, PluginStatus } from './types.js';

/** Still importable from here, where it used to live; the rule belongs to the directory scan. */
export { PLUGIN_FILE } from './plugin-files.js';

export interface DispatcherOptions {
  store: Store;
  logger: Logger;
  plugins: HookdConfig['plugins'];
  /** Where relative paths in builtins (exec cwd) start: the config file's directory. */
  baseDir: string;
  /** Wakes the dispatcher as soon as ingest commits; without it, polling alone finds new events. */
  observer?: IngestObserver;
  /** hookd's environment, for exec's passEnv. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The dispatch stage: loads plugins (built-ins from the config; files in plugins.dir, which
 * PluginFiles keeps in step with the directory) and runs one PluginDelivery per plugin. It wakes when ingest
 * commits and polls (plugins.pollMs) for what other processes do: events committed elsewhere,
 * `hookd plugins enable|disable`, `hookd events replay|revalidate`.
 */
export class PluginDispatcher extends EventEmitter<DispatcherEvents> implements Dispatcher {
  private readonly deliveries = new Map<string, PluginDelivery>();
  /** Deliveries in alphabetical order of name: the order plugins are handed an event. */
  private ordered: PluginDelivery[] = [];
  /** plugins.dir: reports each file's plugin loaded (or broken) and removed. */
  private readonly files: PluginFiles;
  private readonly payloads = new Map<number, Promise<unknown>>();
  private pollTimer: NodeJS.Timeout | undefined;
  private wakeScheduled = false;
  /** One poll at a time: a slow database must not pile them up. */
  private polling: Promise<void> | undefined;
  private closed = false;
  private readonly commits = new CommitTimes();
  /**
   * "The newest event" for a plugin first seen while the receiver starts: the newest when this
   * dispatcher was built, before the listeners opened; undefined once start() is done, and a plugin
   * registered later (a file dropped in while running) starts at the newest event then. Otherwise a
   * webhook acknowledged between listen() and a plugin's registration would be behind that plugin's
   * first cursor, never handed to it.
   */
  private newestAtStart: number | undefined;
  private readonly wake = (c: { seqs: number[]; at: number }) => {
    this.commits.note(c.seqs, c.at);
    this.scheduleWake();
  };
  /** A live event's first handover to a plugin: how long after its commit the handler started. */
  private readonly started = (plugin: string, seq: number, startedAt: number) => {
    this.commits.whenCommitted(seq, (at) => this.emit('started', { plugin, lagMs: Math.max(0, startedAt - at) }));
  };

  /**
   * Another process committed something (PostgreSQL NOTIFY: events from another replica, a
   * replay, a state change): every plugin looks now (new events, its redelivery queue), and a poll
   * follows soon for states and leases — at most one per 100 ms however many notifications come.
   */
  private readonly changed = () => {
    for (const d of this.deliveries.values()) d.redeliveriesQueued();
    if (this.changedTimer) return;
    this.changedTimer = setTimeout(() => {
      this.changedTimer = undefined;
      this.poll();
    }, 100);
    this.changedTimer.unref();
  };
  private changedTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: DispatcherOptions) {
    super();
    this.files = new PluginFiles({
      dir: opts.plugins.dir,
      timeoutMs: opts.plugins.timeoutMs,
      logger: opts.logger,
      ownerOf: (name) => this.deliveries.get(name)?.file,
      loaded: (file, meta, handler, hash, broken) => this.register(handler, meta, hash, file, broken),
      removed: (name, reason) => this.unload(name, reason),
    });
  }

  /**
   * Notes the newest event: call it before the listeners open (serve.ts does), so a plugin first
   * seen at start begins there and misses nothing acknowledged meanwhile.
   */
  async prepare(): Promise<void> {
    this.newestAtStart ??= await this.opts.store.latestSeq();
  }

  /** Loads every plugin, then starts watching. Resolves once each plugin is loaded or known broken. */
  async start(): Promise<void> {
    await this.prepare();
    for (const cfg of this.opts.plugins.builtins) await this.addBuiltin(cfg);
    await this.files.start();
    this.newestAtStart = undefined;
    this.opts.observer?.on('committed', this.wake);
    this.opts.store.on('changed', this.changed);
    this.pollTimer = setInterval(() => this.poll(), this.opts.plugins.pollMs);
    this.pollTimer.unref();
    this.scheduleWake();
  }

  list(): Promise<PluginStatus[]> {
    return Promise.all(this.ordered.map((d) => d.status()));
  }

  async enable(name: string): Promise<void> {
    await this.get(name).setState('active', 'enabled');
  }

  async disable(name: string): Promise<void> {
    await this.get(name).setState('disabled', 'disabled');
  }

  async replay(eventIds: string[], plugin?: string): Promise<number> {
    const targets = plugin === undefined ? this.ordered : [this.get(plugin)];
    const perPlugin = new Map<string, string[]>();
    for (const id of eventIds) {
      const event = await this.opts.store.getEvent(id);
      if (!event || event.status !== 'accepted') continue;
      for (const d of targets) {
        if (!(await d.matches(event))) continue;
        const list = perPlugin.get(d.name) ?? [];
        list.push(id);
        perPlugin.set(d.name, list);
      }
    }
    let queued = 0;
    for (const [name, ids] of perPlugin) {
      queued += await this.opts.store.enqueueRedelivery(ids, name);
      this.deliveries.get(name)?.redeliveriesQueued();
    }
    this.scheduleWake();
    return queued;
  }

  /**
   * The recorded outcomes, plus `pending` for each loaded plugin that will be handed the event but
   * has not reached it yet (its cursor is before it and its match takes it).
   */
  async outcomesFor(eventId: string): Promise<Outcome[]> {
    const { store } = this.opts;
    const recorded = await store.outcomesFor(eventId);
    const waiting = this.ordered.filter((d) => !recorded.some((o) => o.plugin === d.name));
    if (waiting.length === 0) return recorded;
    const seq = await store.seqOf(eventId);
    const event = seq === undefined ? undefined : (await store.dispatchCandidates(seq - 1, 1))[0];
    if (!event || event.id !== eventId || event.status !== 'accepted') return recorded;
    const reaching: PluginDelivery[] = [];
    for (const d of waiting) if (d.reaches(event.seq) && (await d.matches(event))) reaching.push(d);
    const pending = reaching.map((d): Outcome => ({
      eventId,
      plugin: d.name,
      status: 'pending',
      attempts: 0,
      error: null,
      output: null,
      updatedAt: Date.now(),
    }));
    return pending.length ? [...recorded, ...pending].sort((a, b) => (a.plugin < b.plugin ? -1 : a.plugin > b.plugin ? 1 : 0)) : recorded;
  }

  /** Stops handing over events; a call in flight gets a moment to finish (its event is handed over again at the next start if not). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.opts.observer?.off('committed', this.wake);
    this.opts.store.off('changed', this.changed);
    clearInterval(this.pollTimer);
    clearTimeout(this.changedTimer);
    await this.files.close();
    const grace = Math.min(this.opts.plugins.timeoutMs, 5000);
    await Promise.all(this.ordered.map((d) => d.stop(grace)));
    await this.polling;
    // Another replica takes these plugins over at once instead of when the leases expire.
    await this.opts.store
      .releasePlugins(this.ordered.map((d) => d.name))
      .catch((err: unknown) => this.opts.logger.warn({ err }, 'dispatch: could not release plugin leases'));
  }

  private get(name: string): PluginDelivery {
    const d = this.deliveries.get(name);
    if (!d) throw new HookdError(404, 'plugin_not_found', `no plugin named '${name}' is loaded`);
    return d;
  }

  private scheduleWake(): void {
    if (this.wakeScheduled || this.closed) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      if (this.closed) return;
      for (const d of this.ordered) d.kick();
    });
  }

  private poll(): void {
    if (this.closed || this.polling) return;
    this.polling = this.pollOnce().finally(() => {
      this.polling = undefined;
    });
  }

  /**
   * What other processes did: plugin states (`hookd plugins enable|disable`), redeliveries queued
   * (`events replay|revalidate`), events another replica committed; and the leases renewed, so a
   * plugin runs here only while this process holds it.
   */
  private async pollOnce(): Promise<void> {
    const { store, logger } = this.opts;
    try {
      // Leases first: a row read after taking a lease shows everything its previous holder committed.
      const held = await store.leasePlugins([...this.deliveries.keys()]);
      const rows = await store.pluginCursors();
      for (const row of rows) {
        const d = this.deliveries.get(row.plugin);
        if (!d) continue;
        d.syncFrom(row);
        d.setLeased(held.has(row.plugin), row);
      }
      for (const d of this.deliveries.values()) d.redeliveriesQueued();
    } catch (err) {
      logger.warn({ err }, 'dispatch: could not read plugin states or renew leases');
    }
    if (this.closed) return;
    this.files.poll();
    this.scheduleWake();
  }

  /** An event's payload, read and parsed once for all the plugins whose `where` looks into it. */
  private parsePayload = (seq: number, bytes?: Buffer): Promise<unknown> => {
    const known = this.payloads.get(seq);
    if (known) return known;
    const value = (async () => {
      try {
        const raw = bytes ?? (await this.opts.store.payloadOf(seq));
        return raw === undefined ? undefined : JSON.parse(raw.toString('utf8'));
      } catch {
        return undefined;
      }
    })();
    this.payloads.set(seq, value);
    // Plugins usually read the same few events: a short memory is enough, and payloads can be large.
    if (this.payloads.size > 64) this.payloads.delete(this.payloads.keys().next().value!);
    return value;
  };

  // ── loading ──────────────────────────────────────────────────────────────────────────────

  private async addBuiltin(cfg: BuiltinPluginConfig): Promise<void> {
    const { timeoutMs } = this.opts.plugins;
    const handler: PluginHandler = cfg.exec
      ? new ExecHandler(cfg, { timeoutMs, baseDir: this.opts.baseDir, env: this.opts.env ?? process.env })
      : new ForwardHandler(cfg, { timeoutMs });
    if (this.deliveries.has(cfg.name)) {
      this.opts.logger.error({ plugin: cfg.name }, 'two built-in plugins share a name; the second is not loaded');
      return;
    }
    await this.register(handler, await handler.load(), builtinHash(cfg), null);
  }

  /**
   * A plugin that is loaded for the first time gets a cursor (newest event, or 0 for
   * `from: "beginning"`); one seen before resumes from its own. New code for a deactivated plugin
   * re-activates it, and it catches up from its cursor. `broken`: the file could not be loaded.
   */
  private async register(handler: PluginHandler, meta: PluginMeta, hash: string, file: string | null, broken?: string): Promise<void> {
    let d = this.deliveries.get(meta.name);
    let previousHash: string | null;
    if (d) {
      previousHash = d.hash;
      if (!broken && previousHash === hash && d.state !== 'deactivated') {
        await handler.close();
        return;
      }
      d.replaceHandler(handler, meta, file);
      this.opts.logger.info({ plugin: meta.name, file }, 'plugin reloaded');
    } else {
      const { store } = this.opts;
      const registered = await store.registerPlugin({
        name: meta.name,
        origin: handler.origin,
        file,
        cursor: meta.from === 'beginning' ? 0 : (this.newestAtStart ?? (await store.latestSeq())),
      });
      // Runs here only if this process holds its lease (always on SQLite; the poll keeps trying).
      // The row is read again after the lease is taken: its previous holder may have moved it.
      const held = await store.leasePlugins([meta.name]).catch(() => new Set<string>());
      const row = held.has(meta.name) ? ((await store.pluginCursors()).find((r) => r.plugin === meta.name) ?? registered) : registered;
      previousHash = row.hash;
      d = new PluginDelivery(row, handler, meta, {
        store,
        logger: this.opts.logger,
        attempts: this.opts.plugins.attempts,
        backoffMs: this.opts.plugins.backoffMs,
        parsePayload: this.parsePayload,
        onOutcome: (o) => this.emit('outcome', o),
        onStarted: this.started,
        onState: (s) => this.emit('state', s),
        onIdle: (plugin, cursor) => this.emit('idle', { plugin, cursor }),
      });
      d.holdLease(held.has(meta.name));
      this.deliveries.set(meta.name, d);
      this.reorder();
      if (!broken) this.opts.logger.info({ plugin: meta.name, origin: handler.origin, file, state: row.state, cursor: row.cursor }, 'plugin loaded');
    }
    // Decided before anything awaits, so the loop never runs broken code or skips a re-activation.
    if (broken) await d.markBroken(broken);
    else if (d.state === 'deactivated' && previousHash !== hash) await d.setState('active', 'the plugin changed: re-activated, catching up from its cursor');
    await d.saveHash(hash);
    d.kick();
  }

  private async unload(name: string, reason: string): Promise<void> {
    const d = this.deliveries.get(name);
    if (!d) return;
    this.deliveries.delete(name);
    this.reorder();
    // A call in flight gets a moment to finish and be recorded, so the plugin is not handed it again when it returns.
    await d.stop(Math.min(this.opts.plugins.timeoutMs, 2000));
    await this.opts.store.updatePlugin(name, { present: false }).catch(() => undefined);
    this.opts.logger.info({ plugin: name, reason }, 'plugin unloaded');
    this.emit('state', { plugin: name, state: d.state, reason: `unloaded: ${reason}` });
  }

  private reorder(): void {
    this.ordered = [...this.deliveries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
