import path from 'node:path';
import type pg from 'pg';
import { migrationsDir } from '../../paths.js';
import { readMigrations, type Migration } from '../sqlite/migrate.js';

/** PostgreSQL's migrations: their own numbered files, the same versions as SQLite's. */
export const postgresMigrationsDir = path.join(migrationsDir, 'postgres');

export function shippedMigrations(): Migration[] {
  return readMigrations(postgresMigrationsDir);
}

const TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;

/**
 * Applies every migration not yet recorded, each in its own transaction, as SQLite's runner does.
 * The whole run holds an advisory lock (per schema), so replicas starting together take turns and
 * each migration runs once.
 */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext('hookd.migrate.' || current_schema()))");
    try {
      await client.query(TABLE);
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const applied: number[] = [];
      for (const m of shippedMigrations()) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('hookd.migrate.' || current_schema()))").catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

/** Versions recorded as applied; undefined when the schema has never been migrated. */
export async function appliedVersions(pool: pg.Pool): Promise<number[] | undefined> {
  const exists = await pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return undefined;
  return (await pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
}
