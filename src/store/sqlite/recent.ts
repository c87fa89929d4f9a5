import type { AppendResult, DispatchCandidate, NewRequest, StoredEvent } from '../types.js';

/**
 * Bounds on what is kept: a plugin further behind reads from SQLite, as it always could. A batch is
 * at most 64 events; at 1,000 webhooks/s, 256 are the last quarter of a second.
 */
export const RECENT_LIMITS = { events: 256, bytes: 1024 * 1024, ageMs: 5000 };

/**
 * The events this process committed last, as the reader would return them, for the plugins that
 * keep up: a live event reaches its plugin's thread from memory instead of being read back from
 * SQLite on the thread that answers webhooks (two queries and a row → object conversion per batch,
 * ~5 % of that thread at 1,000 webhooks/s).
 *
 * It only ever answers for a run of consecutive seqs starting exactly where it is asked to, so an
 * event it does not hold (committed by another process, evicted) is never skipped: the caller reads
 * SQLite instead. What other processes change later (`events revalidate`, `prune`) is what the
 * dispatcher's own page of candidates could always miss for a moment; a fresh read of an event
 * (`getEvent`) replaces the entry, and anything older than RECENT_LIMITS.ageMs is not served.
 */
export class RecentEvents {
  private readonly bySeq = new Map<number, { event: StoredEvent; at: number; bytes: number }>();
  private bytes = 0;

  constructor(private readonly limits = RECENT_LIMITS) {}

  /** A request just committed, with what the store answered for each of its events (duplicates are not new). */
  add(request: NewRequest, requestId: string, results: AppendResult[]): void {
    const at = Date.now();
    for (const [item, r] of results.entries()) {
      if (r.duplicate) continue;
      const ev = request.events[item]!;
      const event: StoredEvent = {
        seq: r.seq,
        id: r.id,
        source: request.source,
        receivedAt: request.receivedAt,
        requestId,
        item,
        schema: ev.schema,
        dedupeKey: ev.dedupeKey,
        status: ev.status,
        errors: ev.errors,
        contentType: request.contentType,
        headers: request.headers,
        body: request.body,
        payload: ev.payload ?? request.body,
      };
      this.put(Object.freeze(event), at);
    }
  }

  /** A fresh read of an event replaces what is held for it (its status or schema may have changed; its bytes never do). */
  refresh(event: StoredEvent): void {
    const held = this.bySeq.get(event.seq);
    if (held) held.event = Object.freeze({ ...event, body: held.event.body, payload: held.event.payload });
  }

  /** Events after `afterSeq`, consecutive, at most `limit`; undefined unless the next one is held. */
  candidates(afterSeq: number, limit: number): DispatchCandidate[] | undefined {
    const fresh = Date.now() - this.limits.ageMs;
    const out: StoredEvent[] = [];
    for (let seq = afterSeq + 1; out.length < limit; seq++) {
      const held = this.bySeq.get(seq);
      if (!held || held.at < fresh) break;
      out.push(held.event);
    }
    return out.length ? out : undefined;
  }

  /** These events, in the order asked; undefined unless every one is held. */
  events(seqs: number[]): StoredEvent[] | undefined {
    const fresh = Date.now() - this.limits.ageMs;
    const out: StoredEvent[] = [];
    for (const seq of seqs) {
      const held = this.bySeq.get(seq);
      if (!held || held.at < fresh) return undefined;
      out.push(held.event);
    }
    return out;
  }

  payload(seq: number): Buffer | undefined {
    return this.bySeq.get(seq)?.event.payload;
  }

  /** This process changed stored events (revalidate, prune): nothing held can be trusted. */
  clear(): void {
    this.bySeq.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.bySeq.size;
  }

  private put(event: StoredEvent, at: number): void {
    // A batch's events share the request body: counted with each, which only errs on the safe side.
    const bytes = event.body.byteLength + (event.payload === event.body ? 0 : event.payload.byteLength);
    this.bySeq.set(event.seq, { event, at, bytes });
    this.bytes += bytes;
    // Map order is insertion order, and seqs are committed in order: the first entry is the oldest.
    while (this.bySeq.size > this.limits.events || this.bytes > this.limits.bytes) {
      this.drop(this.bySeq.keys().next().value!);
    }
  }

  private drop(seq: number): void {
    const held = this.bySeq.get(seq);
    if (!held) return;
    this.bySeq.delete(seq);
    this.bytes -= held.bytes;
  }
}
