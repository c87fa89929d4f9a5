import type { Source } from '../config/sources.js';
import type { IngestEvents } from '../ingest/observer.js';
import { explainRejection } from './explain.js';

export type Rejection = IngestEvents['rejected'][0];

/**
 * The last requests turned away before storage, newest first: short metadata only (time, source,
 * status, reason, client address, size), never a header or a body. Fixed memory: a ring.
 */
export class RejectionLog {
  private readonly ring: (Rejection | undefined)[];
  private next = 0;
  /** Every rejection since start, including those the ring has dropped. */
  total = 0;

  constructor(readonly capacity = 500) {
    this.ring = new Array<Rejection | undefined>(capacity);
  }

  add(r: Rejection): void {
    this.ring[this.next] = r;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** Newest first. */
  list(opts: { limit?: number; source?: string } = {}): Rejection[] {
    const out: Rejection[] = [];
    const limit = opts.limit ?? this.capacity;
    for (let i = 1; i <= this.capacity && out.length < limit; i++) {
      const r = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (!r) break;
      if (opts.source === undefined || r.source === opts.source) out.push(r);
    }
    return out;
  }
}

/** A rejection as the admin API, the stream and the inspector show it. */
export function rejectionJson(r: Rejection, sources: ReadonlyMap<string, Source>) {
  return {
    at: new Date(r.at).toISOString(),
    source: r.source,
    status: r.status,
    code: r.code,
    reason: r.reason,
    explanation: explainRejection(r, sources),
    clientIp: r.clientIp,
    size: r.size,
  };
}
