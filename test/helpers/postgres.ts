// The machine's real PostgreSQL (127.0.0.1:5432, trust auth, database `test`; .ci/run starts it),
// one fresh schema per test, dropped after. An unreachable server fails the tests, never skips them.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PostgresStorageConfig } from '../../dist/store/types.js';

export const TEST_DATABASE_URL = process.env.HOOKD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One query on a short-lived connection; answers the rows. */
export async function pgQuery<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${(err as Error).message}): start it (\`pg_ctlcluster --skip-systemctl-redirect 15 main start\`, as .ci/run does) or set HOOKD_TEST_DATABASE_URL`,
    );
  }
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A new, empty schema for one test. */
export async function newSchema(prefix = 'hookd_t'): Promise<string> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await pgQuery(`CREATE SCHEMA "${name}"`);
  return name;
}

export async function dropSchema(name: string): Promise<void> {
  await pgQuery(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
}

/** `storage.postgres` for a schema, as the config gives it after defaults. */
export function postgresStorage(schema: string, overrides: Partial<PostgresStorageConfig> = {}): PostgresStorageConfig {
  return { url: TEST_DATABASE_URL, poolSize: 4, leaseMs: 3000, schema, ...overrides };
}
