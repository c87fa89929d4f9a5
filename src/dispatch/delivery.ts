import { setImmediate as nextTurn } from 'node:timers/promises';
import { HookdError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DispatchCandidate, DispatchProgress, PluginCursor, Store, StoredEvent } from '../store/types.js';
import type { EventResult, PluginHandler, PluginMeta } from './handler.js';
import { compileMatch, type Matcher } from './match.js';
import type { Outcome, OutcomeStatus, PluginState, PluginStatus } from './types.js';

export interface DeliveryOptions {
  store: Store;
  logger: Logger;
  attempts: number;
  backoffMs: number;
  /** An event's payload, read and parsed once for every plugin whose `where` looks into it. */
  parsePayload: (seq: number, bytes?: Buffer) => Promise<unknown>;
  onOutcome: (o: Outcome & { ms: number }) => void;
  /** The handler started on an event after the cursor for the first time (not a retry or redelivery). */
  onStarted?: (plugin: string, seq: number, startedAt: number) => void;
  onState: (s: { plugin: string; state: PluginState; reason: string }) => void;
  /** The loop ran out of work with everything it did committed: the cursor it stopped at. */
  onIdle?: (plugin: string, cursor: number) => void;
}

/** Back-off doubles from plugins.backoffMs, up to a minute. */
export const MAX_BACKOFF_MS = 60_000;

/** How many handed-over events may wait for their commit before the loop waits for the writer. */
const MAX_UNSETTLED = 64;
/** Candidates read after the cursor in one query. */
const CANDIDATE_PAGE = 256;
/**
 * Most events after the cursor handed over in one call: a plugin that keeps up with 1,000
 * webhooks/s costs one read, one round trip to its thread and one commit per batch, not per event.
 */
const MAX_BATCH = 64;
/**
 * A batch starts no new event after this long: a slow plugin's progress is still committed (and
 * shown) every so often, and a crash of hookd hands over again at most this much finished work.
 */
const BATCH_BUDGET_MS = 100;

/** A candidate the cursor moves over: handed over (if among the batch's events), skipped (no match), or neither (quarantined, pruned). */
type Pass = { seq: number; id: string; skipped: boolean };

/**
 * What one step hands over: events after the cursor, with every candidate the cursor passes on the
 * way; or one queued redelivery (which does not move the cursor).
 */
type Work = { events: StoredEvent[]; passes: Pass[]; redelivery?: undefined } | { events: [StoredEvent]; redelivery: number; passes?: undefined };

/** Where the plugin is in the event stream: its row's cursor, failures and last error, as the loop moves them. */
interface Position {
  /** The last event handed over (may be ahead of what is committed). */
  cursor: number;
  /** The cursor as committed: what a restart resumes from, and what status() reports. */
  committed: number;
  /** Consecutive failed attempts on the current event. */
  failures: number;
  lastError: string | null;
  /** The event the failure count is about: retried before anything else, even a newer replay. */
  failing: { event: StoredEvent; redelivery?: number } | undefined;
}

/** The row as stored: what the loop resumes from (at start, or when it gains the lease). */
function positionOf(row: PluginCursor): Position {
  return { cursor: row.cursor, committed: row.cursor, failures: row.failures, lastError: row.lastError, failing: undefined };
}

/** A running loop: what kick() and stop() reach while it runs. */
interface Running {
  is: 'running';
  done: Promise<void>;
  /** Kicked while running: there may be more work than the step under way found. */
  again: boolean;
  /** A back-off started by this run (a failed attempt, a store error): the loop ends, and it waits. */
  retry: NodeJS.Timeout | undefined;
  /** Asks the batch in flight to start no further event (its budget is up, or a graceful stop). */
  batch: AbortController | undefined;
}

/**
 * What the loop is doing: nothing (the next kick starts it), running, waiting out a back-off before
 * a retry (the timer kicks it), or stopped for good (unloaded, shutting down; `done`: the run that
 * was under way).
 */
type Loop = { is: 'idle' } | Running | { is: 'backing-off'; timer: NodeJS.Timeout } | { is: 'stopped'; done: Promise<void> | undefined };

/** Why the loop does not (go on to) run: see blocked(). */
type Blocked = 'stopped' | 'backing-off' | 'not-leased' | 'inactive';

/**
 * One plugin's delivery loop, on the main thread: it owns the plugin's cursor and hands its
 * handler events in receipt order — first anything queued for redelivery (replay, revalidate), one
 * at a time, then the events after its cursor, up to MAX_BATCH matching ones per call. The handler
 * runs a batch's events one after another and stops at the first failure; the done ones, the
 * skipped ones between them and the cursor (at the last done event) are committed together in one
 * step, and the next batch is handed over while that commit is still in the writer's queue (the
 * writer keeps their order, and a crash before the commit only means those events are handed over
 * again: at least once). A failure is retried with back-off, alone; after the configured attempts
 * the plugin is deactivated with its cursor on that event (or, with continueOnError, the event is
 * marked failed and the cursor moves on). Nothing here waits on another plugin. Its state is two
 * records, the position (`pos`) and what the loop is doing (`loop`), beside the row's state and the
 * lease; blocked() reads off them whether the loop may run.
 */
export class PluginDelivery {
  readonly name: string;
  readonly origin: PluginCursor['origin'];
  file: string | null;
  hash: string | null;
  state: PluginState;
  private stateVersion: number;
  /** Cursor, failures, last error: what the loop moves and commits. */
  private pos: Position;
  /** What the loop is doing; with the lease and the state it says whether it may run (blocked()). */
  private loop: Loop = { is: 'idle' };
  private handler: PluginHandler;
  private matcher: Matcher;
  private continueOnError: boolean;
  /**
   * Whether the redelivery queue needs reading: a query per step otherwise (most steps find it
   * empty). Set when this process queues a replay and on every poll (another process may have).
   */
  private mayHaveRedeliveries = true;
  /** How many events the next batch may hold: what a batch cut short by the budget ran, doubling back after a full one. */
  private batchSize = MAX_BATCH;
  /** Candidates after the cursor, read once and consumed in order. */
  private candidates: DispatchCandidate[] = [];
  /** Cursor steps handed to the writer and not yet committed. */
  private readonly unsettled = new Set<Promise<void>>();
  /** Why one of them failed: the next step hands over again from the committed cursor. */
  private recordFailure: unknown;
  /**
   * Whether this process holds the plugin's lease (Store.leasePlugins): only then does the loop
   * run. The dispatcher renews it at every poll; a write refused with `lease_lost` clears it.
   */
  private leased = false;

  constructor(
    row: PluginCursor,
    handler: PluginHandler,
    meta: PluginMeta,
    private readonly opts: DeliveryOptions,
  ) {
    this.name = row.plugin;
    this.origin = row.origin;
    this.file = row.file;
    this.hash = row.hash;
    this.state = row.state;
    this.stateVersion = row.stateVersion;
    this.pos = positionOf(row);
    this.handler = handler;
    this.matcher = compileMatch(meta.match);
    this.continueOnError = meta.continueOnError;
  }

  async status(): Promise<PluginStatus> {
    const cursor = this.pos.committed;
    return {
      name: this.name,
      origin: this.origin,
      ...(this.file ? { file: this.file } : {}),
      state: this.state,
      cursor,
      lag: await this.opts.store.countEventsAfter(cursor),
      lastError: this.pos.lastError,
      failures: this.pos.failures,
      leased: this.leased,
    };
  }

  /** Whether the plugin's match takes this event; its payload is read (once, shared) only when a `where` needs it. */
  async matches(event: { seq: number; source: string; schema: string | null; payload?: Buffer }): Promise<boolean> {
    const matcher = this.matcher;
    if (!matcher.needsPayload) return matcher({ source: event.source, schema: event.schema, payload: () => undefined });
    const payload = await this.opts.parsePayload(event.seq, event.payload);
    return matcher({ source: event.source, schema: event.schema, payload: () => payload });
  }

  /**
   * The dispatcher's lease renewal said whether this process runs the plugin. A lease gained (at
   * start, or from a replica that died or let go) resumes from the row as stored now, since
   * whoever held it before moved the cursor; a lease lost stops the loop after the call in flight.
   */
  setLeased(held: boolean, row?: PluginCursor): void {
    if (held === this.leased) return;
    this.leased = held;
    if (row) this.resumeFrom(row);
    if (held) this.kick();
    else this.opts.logger.info({ plugin: this.name }, 'plugin runs on another replica now');
  }

  /** The lease taken when the plugin was registered: noted, the loop starts at the next kick. */
  holdLease(held: boolean): void {
    this.leased = held;
  }

  private resumeFrom(row: PluginCursor): void {
    this.pos = positionOf(row);
    this.state = row.state;
    this.stateVersion = row.stateVersion;
    this.hash = row.hash;
    this.candidates = [];
    this.mayHaveRedeliveries = true;
  }

  /** Whether the cursor is still before this event (it will be handed over, if it matches). */
  reaches(seq: number): boolean {
    return seq > this.pos.cursor;
  }

  /** Redeliveries may have been queued for this plugin (committed before this is called). */
  redeliveriesQueued(): void {
    this.mayHaveRedeliveries = true;
    this.kick();
  }

  /** There may be work: the loop runs unless it is running already (it looks again) or blocked. */
  kick(): void {
    if (this.loop.is === 'running') {
      this.loop.again = true;
      return;
    }
    if (this.blocked()) return;
    const run: Running = { is: 'running', done: Promise.resolve(), again: true, retry: undefined, batch: undefined };
    this.loop = run;
    run.done = this.run(run).finally(() => {
      // A stop() meanwhile stays; a back-off this run started is waited out.
      if (this.loop !== run) return;
      this.loop = run.retry ? { is: 'backing-off', timer: run.retry } : { is: 'idle' };
      // A kick that came while this run was leaving (blocked, waiting for its last commits) found
      // it running and only set `again`: if nothing blocks the loop now, that work is not left to
      // the next poll.
      if (run.again) this.kick();
    });
  }

  /**
   * Why the loop may not run now, or undefined if it may: stopped, waiting out a back-off (also one
   * that a run still finishing started), another process holds the lease, or the plugin is not
   * active. The last two are the row's facts, changed by the poll and by enable/disable; the first
   * two are the loop's own.
   */
  private blocked(): Blocked | undefined {
    const loop = this.loop;
    if (loop.is === 'stopped') return 'stopped';
    if (loop.is === 'backing-off' || (loop.is === 'running' && loop.retry)) return 'backing-off';
    if (!this.leased) return 'not-leased';
    if (this.state !== 'active') return 'inactive';
    return undefined;
  }

  private get stopped(): boolean {
    return this.loop.is === 'stopped';
  }

  private async run(run: Running): Promise<void> {
    while (!this.blocked()) {
      run.again = false;
      let more: boolean;
      try {
        more = await this.step();
      } catch (err) {
        if (err instanceof HookdError && err.code === 'lease_lost') {
          // Another replica took the plugin over (this one missed its renewals): nothing was written.
          await this.settle();
          this.recordFailure = undefined;
          this.rewind();
          this.pos.failing = undefined;
          this.setLeased(false);
          return;
        }
        // The store failed (disk full, closing): nothing was lost, the cursor did not move; try again later.
        if (this.stopped) return;
        this.opts.logger.error({ err, plugin: this.name }, 'dispatch: could not record progress; retrying');
        this.retryIn(1000);
        return;
      }
      if (!more && !run.again) {
        await this.settle();
        // A commit may have kicked while the progress committed: that kick found the loop running.
        if (this.recordFailure === undefined && !run.again) {
          this.opts.onIdle?.(this.name, this.pos.committed);
          return;
        }
        continue; // step() turns a failure into a retry from the committed cursor
      }
      if (this.unsettled.size >= MAX_UNSETTLED) await Promise.race(this.unsettled);
      await nextTurn(); // let the event loop answer webhooks between batches
    }
    await this.settle();
  }

  /** Hands over again from what is committed (a pipelined commit failed, or the lease was lost). */
  private rewind(): void {
    this.pos.cursor = this.pos.committed;
    this.candidates = [];
  }

  /** Waits for every pipelined cursor step to be committed (or to fail). */
  private async settle(): Promise<void> {
    while (this.unsettled.size) await Promise.all(this.unsettled);
  }

  /** One batch handed over (or a run of events skipped); answers whether there may be more. */
  private async step(): Promise<boolean> {
    const { store } = this.opts;
    if (this.recordFailure !== undefined) {
      // A pipelined commit failed: hand over again from what is committed (at least once).
      const err = this.recordFailure;
      await this.settle();
      this.recordFailure = undefined;
      this.rewind();
      throw err;
    }
    if (this.pos.failing && this.pos.failures > 0) {
      const { event, redelivery } = this.pos.failing;
      const current = await store.getEvent(event.id);
      if (current) {
        if (redelivery !== undefined) return this.deliver({ events: [current], redelivery });
        return this.deliver({ events: [current], passes: [{ seq: current.seq, id: current.id, skipped: false }] });
      }
      // Pruned while it was being retried.
      this.pos.failing = undefined;
      await store.recordDispatch({
        plugin: this.name,
        outcomes: [],
        failures: 0,
        ...(redelivery !== undefined ? { redelivered: redelivery } : { cursor: event.seq }),
      });
      if (redelivery === undefined) this.pos.cursor = Math.max(this.pos.cursor, event.seq);
      this.pos.failures = 0;
      return true;
    }
    const queued = this.mayHaveRedeliveries ? await store.nextRedelivery(this.name) : undefined;
    if (!queued) this.mayHaveRedeliveries = false;
    if (queued) {
      const event = await store.getEvent(queued.eventId);
      // Pruned, quarantined again, or not reached by the cursor yet (which will hand it over in order).
      if (!event || event.status !== 'accepted' || event.seq > this.pos.cursor) {
        // Its status may have changed since the candidates were read (revalidate): read them again.
        if (event && event.seq > this.pos.cursor) this.candidates = [];
        await store.recordDispatch({ plugin: this.name, outcomes: [], redelivered: queued.id });
        return true;
      }
      if (!(await this.matches(event))) {
        await this.record({ outcomes: [this.outcome(event.id, 'skipped', 0, null, null)], redelivered: queued.id });
        return true;
      }
      await this.claimFailures(event.id);
      return this.deliver({ events: [event], redelivery: queued.id });
    }

    while (this.candidates.length && this.candidates[0]!.seq <= this.pos.cursor) this.candidates.shift();
    if (this.candidates.length === 0) this.candidates = await store.dispatchCandidates(this.pos.cursor, CANDIDATE_PAGE);
    const page = this.candidates;
    if (page.length === 0) return false;
    const picked: number[] = [];
    const passes: Pass[] = [];
    let limit = this.batchSize;
    for (const c of page) {
      // A quarantined event is not handed to plugins; `events revalidate` queues it once it passes.
      const wanted = c.status === 'accepted' && (await this.matches(c));
      if (wanted && picked.length === 0) {
        // An event still failing from before a restart is retried alone, at its attempt.
        await this.claimFailures(c.id);
        if (this.pos.failures > 0) limit = 1;
      }
      if (wanted && picked.length === limit) break;
      if (wanted) picked.push(c.seq);
      passes.push({ seq: c.seq, id: c.id, skipped: c.status === 'accepted' && !wanted });
    }
    // One read for the batch. One pruned (or quarantined again) since the candidates were read is passed over.
    const events = picked.length ? (await store.dispatchEvents(picked)).filter((e) => e.status === 'accepted') : [];
    if (events.length === 0) {
      this.passOver(passes, Infinity, new Map(), 0);
      return true;
    }
    return this.deliver({ events, passes });
  }

  /**
   * The failure count read at start (or reload) is the failing event's, whose outcome is still
   * pending at that many attempts. If the event handed over next is another one (the failing one
   * was pruned or quarantined again meanwhile), it starts at attempt 1 instead of inheriting them.
   */
  private async claimFailures(eventId: string): Promise<void> {
    if (this.pos.failures === 0 || this.pos.failing !== undefined) return;
    const mine = (await this.opts.store.outcomesFor(eventId)).find((o) => o.plugin === this.name);
    if (mine?.status !== 'pending' || mine.attempts !== this.pos.failures) this.pos.failures = 0;
  }

  private async deliver(work: Work): Promise<boolean> {
    const handler = this.handler;
    const attempt = this.pos.failures + 1;
    const stop = new AbortController();
    const budget = setTimeout(() => stop.abort(), BATCH_BUDGET_MS);
    // Where stop() finds the batch to cut short (once stopped, only its budget does).
    const run = this.loop.is === 'running' ? this.loop : undefined;
    if (run) run.batch = stop;
    let results: EventResult[];
    try {
      results = await handler.callBatch(work.events, attempt, stop.signal, { redelivery: work.redelivery !== undefined });
    } finally {
      clearTimeout(budget);
      if (run) run.batch = undefined;
    }
    if (work.redelivery === undefined && attempt === 1 && this.opts.onStarted) {
      for (const [i, r] of results.entries()) if (r.startedAt !== undefined) this.opts.onStarted(this.name, work.events[i]!.seq, r.startedAt);
    }
    const failedAt = results.findIndex((r) => !r.ok);
    const done = failedAt < 0 ? results.length : failedAt;

    if (work.redelivery === undefined) {
      const finished = new Map(work.events.slice(0, done).map((e, i) => [e.seq, results[i]!]));
      this.passOver(work.passes, work.events[done]?.seq ?? Infinity, finished, attempt);
      // A slow plugin is not handed 64 events to run two before the budget: the next batch is what this one ran.
      if (failedAt < 0) this.batchSize = done < work.events.length ? Math.max(1, done) : Math.min(MAX_BATCH, this.batchSize * 2);
    } else if (done === 1) {
      // A redelivery must be committed before the queue is read again, or it would be handed over twice.
      const [event] = work.events;
      await this.record({ outcomes: [this.outcome(event.id, 'done', attempt, null, results[0]!.output ?? null)], failures: 0, redelivered: work.redelivery }, [
        results[0]!.ms,
      ]);
    }
    if (done > 0) {
      this.pos.failures = 0;
      this.pos.failing = undefined;
    }
    const failed = results[done];
    // Unloaded, reloaded or shutting down mid-call: that attempt does not count; the event is handed over again.
    if (!failed || handler !== this.handler || this.stopped) return !this.stopped;
    return this.fail(work.events[done]!, failed, attempt, work.redelivery);
  }

  /**
   * Moves the cursor over `passes` up to (not including) `until`, the first event of the batch that
   * is not done, committing (pipelined) the done (`finished`, by seq) and skipped outcomes with it.
   */
  private passOver(passes: Pass[], until: number, finished: Map<number, EventResult>, attempt: number): void {
    const outcomes: DispatchProgress['outcomes'] = [];
    const ms: number[] = [];
    let through = this.pos.cursor;
    for (const p of passes) {
      if (p.seq >= until) break;
      through = p.seq;
      const r = finished.get(p.seq);
      if (r) {
        outcomes.push(this.outcome(p.id, 'done', attempt, null, r.output ?? null));
        ms.push(r.ms);
      } else if (p.skipped) {
        outcomes.push(this.outcome(p.id, 'skipped', 0, null, null));
        ms.push(0);
      }
    }
    if (through <= this.pos.cursor) return;
    this.recordInOrder({ outcomes, cursor: through, ...(finished.size ? { failures: 0 } : {}) }, ms);
    this.pos.cursor = through;
  }

  /** A failed attempt on one event: retried after a back-off, or given up on after the configured attempts. */
  private async fail(event: StoredEvent, result: EventResult, attempt: number, redelivery: number | undefined): Promise<boolean> {
    const handler = this.handler;
    const cursor = redelivery === undefined ? event.seq : undefined;
    const output = result.output ?? null;
    const ms = [result.ms];
    const error = result.error ?? 'failed';
    this.pos.failures = attempt;
    this.pos.failing = { event, ...(redelivery !== undefined ? { redelivery } : {}) };
    this.pos.lastError = error;
    this.opts.logger.warn({ plugin: this.name, event: event.id, attempt, err: error }, 'plugin failed an attempt');
    if (attempt < this.opts.attempts) {
      await this.record({ outcomes: [this.outcome(event.id, 'pending', attempt, error, output)], failures: attempt, lastError: error }, ms);
      this.retryIn(Math.min(this.opts.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS));
      return false;
    }

    // The attempts are used up.
    await handler.onError(event, error, attempt).catch(() => {});
    if (this.continueOnError) {
      this.pos.failures = 0;
      this.pos.failing = undefined;
      await this.record(
        {
          outcomes: [this.outcome(event.id, 'failed', attempt, error, output)],
          failures: 0,
          lastError: error,
          ...(cursor !== undefined ? { cursor } : {}),
          ...(redelivery !== undefined ? { redelivered: redelivery } : {}),
        },
        ms,
      );
      if (cursor !== undefined) this.pos.cursor = Math.max(this.pos.cursor, cursor);
      return true;
    }
    await this.record({ outcomes: [this.outcome(event.id, 'pending', attempt, error, output)], failures: attempt, lastError: error }, ms);
    await this.setState('deactivated', `gave up on event ${event.id} after ${attempt} attempt(s): ${error}`);
    return false;
  }

  private outcome(eventId: string, status: OutcomeStatus, attempts: number, error: string | null, output: string | null) {
    return { eventId, status, attempts, error, output };
  }

  /** `ms[i]`: how long the plugin took on outcomes[i] (0 for a skip). */
  private async record(progress: Omit<DispatchProgress, 'plugin'>, ms: number[] = []): Promise<void> {
    await this.opts.store.recordDispatch({ plugin: this.name, ...progress });
    if (progress.cursor !== undefined) this.pos.committed = Math.max(this.pos.committed, progress.cursor);
    const updatedAt = Date.now();
    for (const [i, o] of progress.outcomes.entries()) this.opts.onOutcome({ ...o, plugin: this.name, updatedAt, ms: ms[i] ?? 0 });
  }

  /** Records a cursor step without waiting for its commit; a failure is picked up by the next step. */
  private recordInOrder(progress: Omit<DispatchProgress, 'plugin'>, ms: number[]): void {
    const p: Promise<void> = this.record(progress, ms).then(
      () => undefined,
      (err: unknown) => {
        this.recordFailure ??= err;
      },
    );
    this.unsettled.add(p);
    void p.finally(() => this.unsettled.delete(p));
  }

  /** Called from the run: it ends, and the loop waits `ms` before the next one (a stopped loop retries nothing). */
  private retryIn(ms: number): void {
    const run = this.loop;
    if (run.is !== 'running') return;
    clearTimeout(run.retry);
    const timer = setTimeout(() => {
      if (run.retry === timer) run.retry = undefined; // due while the run still settles: it looks again
      if (this.loop.is === 'backing-off' && this.loop.timer === timer) this.loop = { is: 'idle' };
      this.kick();
    }, ms);
    run.retry = timer;
  }

  /** No more waiting (re-activated, new code): the next kick runs at once. */
  private cancelRetry(): void {
    const loop = this.loop;
    if (loop.is === 'running') {
      clearTimeout(loop.retry);
      loop.retry = undefined;
    } else if (loop.is === 'backing-off') {
      clearTimeout(loop.timer);
      this.loop = { is: 'idle' };
    }
  }

  /** Persists a state change (enable, disable, deactivate, re-activate) and tells listeners. */
  async setState(state: PluginState, reason: string, extra: { hash?: string | null } = {}): Promise<void> {
    const from = this.state;
    this.state = state;
    if (state === 'active') {
      this.pos.failures = 0;
      this.cancelRetry();
    }
    const row = await this.opts.store.updatePlugin(this.name, {
      state,
      failures: this.pos.failures,
      lastError: this.pos.lastError,
      ...(extra.hash !== undefined ? { hash: extra.hash } : {}),
    });
    if (row) this.stateVersion = row.stateVersion;
    if (extra.hash !== undefined) this.hash = extra.hash;
    if (from !== state || reason) {
      this.opts.logger[state === 'deactivated' ? 'error' : 'info']({ plugin: this.name, state, reason }, `plugin ${state}`);
      this.opts.onState({ plugin: this.name, state, reason });
    }
    if (state === 'active') this.kick();
  }

  /** A state change made by another process (`hookd plugins enable|disable`). */
  syncFrom(row: PluginCursor): void {
    if (row.stateVersion <= this.stateVersion) return;
    this.stateVersion = row.stateVersion;
    const changed = row.state !== this.state;
    this.state = row.state;
    this.pos.failures = row.failures;
    this.pos.lastError = row.lastError;
    if (!changed) return;
    this.opts.logger.info({ plugin: this.name, state: row.state }, `plugin ${row.state} (by another process)`);
    this.opts.onState({ plugin: this.name, state: row.state, reason: 'changed by another process' });
    if (row.state === 'active') {
      this.cancelRetry();
      this.kick();
    }
  }

  /**
   * New code for the same plugin (its file changed). Synchronous, so nothing runs between the swap
   * and what the dispatcher decides next (re-activate, or deactivate a broken file): a call in
   * flight on the old code is abandoned and its event handed to the new code, at once.
   */
  replaceHandler(handler: PluginHandler, meta: PluginMeta, file: string | null): void {
    const old = this.handler;
    this.handler = handler;
    this.matcher = compileMatch(meta.match);
    this.continueOnError = meta.continueOnError;
    this.file = file;
    this.pos.failures = 0;
    this.cancelRetry();
    void old.close();
  }

  /** Remembers which code this is (a later change re-activates a deactivated plugin). */
  async saveHash(hash: string): Promise<void> {
    if (this.hash !== hash) await this.opts.store.updatePlugin(this.name, { hash, failures: this.pos.failures });
    this.hash = hash;
  }

  /** The file cannot be loaded: deactivated (unless a person disabled it) until it changes. */
  markBroken(error: string): Promise<void> {
    this.pos.lastError = `could not be loaded: ${error}`;
    if (this.state === 'disabled') return this.opts.store.updatePlugin(this.name, { lastError: this.pos.lastError }).then(() => undefined);
    return this.setState('deactivated', this.pos.lastError);
  }

  /** Stops handing over events; waits up to `graceMs` for the event in flight, then closes the handler. */
  async stop(graceMs: number): Promise<void> {
    const loop = this.loop;
    const running = loop.is === 'running' || loop.is === 'stopped' ? loop.done : undefined;
    this.loop = { is: 'stopped', done: running };
    if (loop.is === 'running') {
      loop.batch?.abort(); // the event in flight finishes; the rest of its batch is handed over at the next start
      clearTimeout(loop.retry);
    } else if (loop.is === 'backing-off') clearTimeout(loop.timer);
    if (running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    await this.handler.close();
    await running;
    await this.settle();
  }
}
