import pg from 'pg';
import type { PostgresStorageConfig } from '../types.js';
import { clientConfig, quoteIdent } from './connect.js';

/** The NOTIFY channel of one hookd database (per schema: tests and tenants in other schemas stay apart). */
export function channelOf(cfg: PostgresStorageConfig): string {
  return cfg.schema ? `hookd_changed_${cfg.schema}`.slice(0, 63) : 'hookd_changed';
}

export interface ListenerEvents {
  /** Another instance committed something (payload: its instance id, ours filtered out). */
  changed: () => void;
  /** The connection was lost and is back (notifications in between may be missed: look now). */
  recovered: (cause: Error) => void;
}

/**
 * One connection that LISTENs, outside the pool: a NOTIFY from another replica wakes this one's
 * dispatcher at once instead of at its next poll. If the connection drops it reconnects with
 * back-off (250 ms doubling to 5 s); the poll stays the guarantee meanwhile.
 */
export class Listener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retryMs = 250;
  private timer: NodeJS.Timeout | undefined;
  private lost: Error | undefined;

  constructor(
    private readonly cfg: PostgresStorageConfig,
    private readonly instance: string,
    private readonly on: ListenerEvents,
  ) {}

  /** Resolves once listening (or rejects if the first connect fails). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(clientConfig(this.cfg));
    client.on('error', (err) => this.dropped(client, err));
    client.on('end', () => this.dropped(client, new Error('the LISTEN connection ended')));
    client.on('notification', (n) => {
      if (n.payload !== this.instance) this.on.changed();
    });
    await client.connect();
    await client.query(`LISTEN ${quoteIdent(channelOf(this.cfg))}`);
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = 250;
    if (this.lost) {
      const cause = this.lost;
      this.lost = undefined;
      this.on.recovered(cause);
      this.on.changed();
    }
  }

  private dropped(client: pg.Client, err: Error): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    this.lost ??= err;
    client.end().catch(() => undefined);
    this.retry();
  }

  private retry(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.connect().catch((err: Error) => {
        this.lost ??= err;
        this.retryMs = Math.min(this.retryMs * 2, 5000);
        this.retry();
      });
    }, this.retryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
