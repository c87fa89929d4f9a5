import { EventEmitter } from 'node:events';

/** What the ingest path tells the rest of hookd (dispatcher, metrics, admin) without waiting for it. */
export interface IngestEvents {
  /** Committed (new) events; the dispatcher wakes on this. */
  committed: [{ source: string; ids: string[]; statuses: ('accepted' | 'quarantined')[]; seqs: number[]; at: number }];
  /** Every answered request, for metrics. */
  answered: [{ source: string; status: number; code: string; ms: number }];
  /** A request turned away before storage (401/400/413/415/404/429): short metadata only, never the body. */
  rejected: [{ at: number; source: string; status: number; code: string; reason: string; clientIp: string; size: number }];
}

export class IngestObserver extends EventEmitter<IngestEvents> {}
