/** Early questions kept at most: far more than a plugin can run ahead of this thread's answers. */
const MAX_EARLY = 1024;

/**
 * When recently committed events were committed, by seq: what dispatch lag (commit → a plugin's
 * handler starting) is measured from. One entry per commit — a range of seqs and a time — in a
 * fixed ring, so it costs the same memory whatever the rate: 65,536 commits cover at least as many
 * events, over a minute at 1,000 webhooks/s. An event older than that, or committed by another
 * process, has no entry; its lag is not measured (a plugin that far behind shows in
 * hookd_plugin_lag_events instead).
 */
export class CommitTimes {
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly at: Float64Array;
  /** Index of the oldest entry, and how many there are. */
  private start = 0;
  private size = 0;
  /** The highest seq noted so far, in order or not: a question about a seq at or below it is answered at once or never. */
  private newest = 0;
  /**
   * Asked for before their commit was noted: a plugin can read an event from SQLite, run it and
   * answer before the writer's answer for that commit has reached this thread (~0.6 % of events at
   * 1,000/s, the quickest ones). Oldest first, at most MAX_EARLY.
   */
  private early: { seq: number; then: (at: number) => void }[] = [];

  constructor(private readonly capacity = 65_536) {
    this.lo = new Float64Array(capacity);
    this.hi = new Float64Array(capacity);
    this.at = new Float64Array(capacity);
  }

  /**
   * Events `seqs` committed at `at` (epoch ms). Requests that shared a transaction arrive one by one
   * with the same time and are merged into one entry; commits come in seq order (one writer), and
   * anything out of order is ignored rather than allowed to break the search.
   */
  note(seqs: readonly number[], at: number): void {
    if (seqs.length === 0) return;
    const hi = Math.max(...seqs);
    this.newest = Math.max(this.newest, hi);
    this.record(Math.min(...seqs), hi, at);
    if (this.early.length) this.answerEarly();
  }

  /**
   * Calls `then` with the commit time of `seq` once it is known: at once, or when its commit is
   * noted. Never for an event not committed by this process recently (nor for one asked about after
   * MAX_EARLY newer ones still waiting).
   */
  whenCommitted(seq: number, then: (at: number) => void): void {
    const at = this.committedAt(seq);
    if (at !== undefined) return then(at);
    if (seq <= this.newest) return; // noted before (and gone from the ring), or committed elsewhere
    if (this.early.length >= MAX_EARLY) this.early.shift();
    this.early.push({ seq, then });
  }

  private answerEarly(): void {
    const waiting = this.early;
    this.early = [];
    for (const e of waiting) {
      const at = this.committedAt(e.seq);
      if (at !== undefined) e.then(at);
      else if (e.seq > this.newest) this.early.push(e);
    }
  }

  private record(lo: number, hi: number, at: number): void {
    if (this.size > 0) {
      const last = this.index(this.size - 1);
      if (this.at[last] === at) {
        this.lo[last] = Math.min(this.lo[last]!, lo);
        this.hi[last] = Math.max(this.hi[last]!, hi);
        return;
      }
      if (lo <= this.hi[last]!) return;
    }
    let slot: number;
    if (this.size < this.capacity) slot = this.index(this.size++);
    else {
      // Full: the oldest entry makes room.
      slot = this.start;
      this.start = (this.start + 1) % this.capacity;
    }
    this.lo[slot] = lo;
    this.hi[slot] = hi;
    this.at[slot] = at;
  }

  /** When the event `seq` was committed, if this process committed it recently. */
  committedAt(seq: number): number | undefined {
    let a = 0;
    let b = this.size - 1;
    while (a <= b) {
      const mid = (a + b) >> 1;
      const i = this.index(mid);
      if (seq < this.lo[i]!) b = mid - 1;
      else if (seq > this.hi[i]!) a = mid + 1;
      else return this.at[i];
    }
    return undefined;
  }

  private index(n: number): number {
    return (this.start + n) % this.capacity;
  }
}
