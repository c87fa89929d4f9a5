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
    const lo = Math.min(...seqs);
    const hi = Math.max(...seqs);
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
