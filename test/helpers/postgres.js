// The machine's real PostgreSQL (127.0.0.1:5432, trust auth, database `test`; .ci/run starts it),
// one fresh schema per test, dropped after. An unreachable server fails the tests, never skips them.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.HOOKD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One query on a short-lived connection; answers the rows. */
export async function pgQuery(text, values = []) {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${err.message}): start it (\`pg_ctlcluster --skip-systemctl-redirect 15 main start\`, as .ci/run does) or set HOOKD_TEST_DATABASE_URL`,
    );
  }
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A new, empty schema for one test. */
export async function newSchema(prefix = 'hookd_t') {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await pgQuery(`CREATE SCHEMA "${name}"`);
  return name;
}

export async function dropSchema(name) {
  await pgQuery(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
}

/** `storage.postgres` for a schema, as the config gives it after defaults. */
export function postgresStorage(schema, overrides = {}) {
  return { url: TEST_DATABASE_URL, poolSize: 4, leaseMs: 3000, schema, ...overrides };
}
