import pg from 'pg';
import type { PostgresStorageConfig } from '../types.js';

/** BIGINT (oid 20) as a number: seqs, times and counts stay far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** A schema name as an identifier in SQL (the config allows [A-Za-z_][A-Za-z0-9_]*, quoted anyway). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** What a connection needs: the URL, BIGINT as numbers, and the schema hookd's tables live in. */
export function clientConfig(cfg: PostgresStorageConfig): pg.ClientConfig {
  return {
    connectionString: cfg.url,
    types: TYPES,
    // A server that does not answer fails a connect in seconds, never hangs an append past its deadline.
    connectionTimeoutMillis: 3000,
    keepAlive: true,
    application_name: 'hookd',
    ...(cfg.schema ? { options: `-c search_path=${quoteIdent(cfg.schema)}` } : {}),
  };
}

/** Creates the configured schema (before any pooled connection uses it as its search_path). */
export async function ensureSchema(cfg: PostgresStorageConfig): Promise<void> {
  if (!cfg.schema) return;
  const client = new pg.Client({ ...clientConfig(cfg), options: '' });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(cfg.schema)}`);
  } catch (err) {
    // Two replicas creating it at once: one of them loses the race on the catalog, and that is fine.
    if ((err as { code?: string }).code !== '23505') throw err;
  } finally {
    await client.end();
  }
}

export function newPool(cfg: PostgresStorageConfig): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(cfg), max: cfg.poolSize, idleTimeoutMillis: 30_000 });
  // An idle connection dropped by the server (a restart) is the pool's to replace; without a
  // listener, Node would treat the error as unhandled and stop the process.
  pool.on('error', () => undefined);
  return pool;
}

/** The URL as shown in logs and `doctor`: without its password. */
export function redactedUrl(cfg: PostgresStorageConfig): string {
  let shown = cfg.url;
  try {
    const url = new URL(cfg.url);
    if (url.password) url.password = '***';
    shown = url.toString();
  } catch {
    shown = cfg.url.replace(/:[^:@/]*@/, ':***@');
  }
  return cfg.schema ? `${shown} (schema ${cfg.schema})` : shown;
}

/** A failure of the connection itself (refused, reset, terminated by a restart), as opposed to one of a statement. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (typeof e.code === 'string' && /^(08|57P0)/.test(e.code)) return true;
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT…
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e.message ?? '');
}

/** Runs fn in one transaction on a pooled connection; a connection that failed is not given back to the pool. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const value = await fn(client);
    await client.query('COMMIT');
    return value;
  } catch (err) {
    if (isConnectionError(err)) broken = err as Error;
    else await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}
