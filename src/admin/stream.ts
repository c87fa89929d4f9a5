import express, { type Response } from 'express';
import type { Source } from '../config/sources.js';
import type { Dispatcher } from '../dispatch/types.js';
import type { IngestObserver } from '../ingest/observer.js';
import type { Store } from '../store/types.js';
import { summaryJson } from './event-json.js';
import { rejectionJson } from './rejections.js';

export interface LiveStreamDeps {
  store: Store;
  observer: IngestObserver;
  sources: ReadonlyMap<string, Source>;
  dispatcher: Dispatcher | undefined;
  /** Comment lines keep proxies and the browser from timing an idle stream out. */
  heartbeatMs?: number;
}

/** A client that has not read this much is too slow to follow; it is cut off, not buffered for. */
const MAX_BUFFERED = 1 << 20;
/** At most this many missed events are sent to a client that reconnects with Last-Event-ID. */
const MAX_CATCH_UP = 500;

/**
 * `GET /api/stream`: server-sent events for the inspector's live view. Every message is built
 * once and written to every client: `event` (new events, `id:` is the seq so a reconnecting
 * client resumes with Last-Event-ID), `rejection`, `outcome`, `plugin`.
 */
export class LiveStream {
  private readonly clients = new Set<Response>();
  /** The newest event broadcast so far. */
  private sentSeq = 0;
  private readonly heartbeat: NodeJS.Timeout;
  /** A catch-up read in flight; `again`: something was committed meanwhile. */
  private catching: Promise<void> | undefined;
  private again = false;
  readonly router = express.Router();

  constructor(private readonly deps: LiveStreamDeps) {
    const { store, observer, sources, dispatcher } = deps;
    // Commits here, and (PostgreSQL) commits another replica announced.
    observer.on('committed', this.catchUp);
    store.on('changed', this.catchUp);
    observer.on('rejected', (r) => this.clients.size && this.broadcast('rejection', rejectionJson(r, sources)));
    dispatcher?.on('outcome', (o) => {
      if (this.clients.size) this.broadcast('outcome', { eventId: o.eventId, plugin: o.plugin, status: o.status, attempts: o.attempts, error: o.error });
    });
    dispatcher?.on('state', (s) => this.clients.size && this.broadcast('plugin', s));
    this.heartbeat = setInterval(() => this.writeAll(': ping\n\n'), deps.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
    this.router.get('/api/stream', (req, res, next) => this.open(req, res).catch(next));
  }

  /**
   * Broadcasts what was committed after the newest event sent, one read at a time. Summaries are
   * read by seq, never by id: getEvent would load a whole ShotGrid batch body once per delivery.
   */
  private readonly catchUp = (): void => {
    if (!this.clients.size) return;
    if (this.catching) {
      this.again = true;
      return;
    }
    this.catching = (async () => {
      const { store, dispatcher } = this.deps;
      do {
        this.again = false;
        for (;;) {
          const fresh = await store.searchEvents({ afterSeq: this.sentSeq, order: 'oldest', limit: MAX_CATCH_UP });
          const outcomes = await Promise.all(fresh.map((e) => (dispatcher ? dispatcher.outcomesFor(e.id) : [])));
          for (const [i, e] of fresh.entries()) if (e.seq > this.sentSeq) this.broadcast('event', summaryJson(e, outcomes[i]!), e.seq);
          if (fresh.length) this.sentSeq = Math.max(this.sentSeq, fresh[fresh.length - 1]!.seq);
          if (fresh.length < MAX_CATCH_UP) break;
        }
      } while (this.again && this.clients.size);
    })()
      .catch(() => undefined) // a failed read: the next commit catches up
      .finally(() => {
        this.catching = undefined;
      });
  };

  private async open(req: express.Request, res: Response): Promise<void> {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    const { store, dispatcher } = this.deps;
    const latestSeq = await store.latestSeq();
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ latestSeq })}\n\n`);
    // Nobody was listening: broadcasting resumes from now, not from the last listener's time.
    if (!this.clients.size) this.sentSeq = latestSeq;
    const last = Number(req.headers['last-event-id']);
    if (Number.isInteger(last) && last >= 0) {
      // Up to what the broadcast has sent, until it stops moving: from then on this client is
      // among those it writes to, so no event reaches it twice or not at all.
      let from = last;
      let budget = MAX_CATCH_UP;
      while (from < this.sentSeq && budget > 0 && !res.destroyed) {
        const upTo = this.sentSeq;
        const missed = (await store.searchEvents({ afterSeq: from, order: 'oldest', limit: budget })).filter((e) => e.seq <= upTo);
        for (const e of missed) res.write(message('event', summaryJson(e, dispatcher ? await dispatcher.outcomesFor(e.id) : []), e.seq));
        budget -= missed.length;
        from = upTo;
      }
    }
    if (res.destroyed) return;
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.on('close', drop);
    res.on('error', drop);
  }

  private broadcast(event: string, data: unknown, id?: number): void {
    this.writeAll(message(event, data, id));
  }

  private writeAll(text: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BUFFERED) {
        this.clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(text);
    }
  }

  /** Ends every stream, so shutdown does not wait for browsers to hang up. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

function message(event: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
