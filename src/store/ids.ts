import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * ULIDs for requests and events, monotonic within one writer (SQLite's writer thread, a
 * PostgreSQL store instance). ulid's default source calls crypto.randomFillSync once per
 * character (16 calls per id, a few percent of the writer thread): the same CSPRNG, drawn 4 KiB
 * at a time.
 */
export function idFactory(): () => string {
  const pool = new Uint8Array(4096);
  let at = pool.length;
  return monotonicFactory(() => {
    if (at === pool.length) {
      randomFillSync(pool);
      at = 0;
    }
    return pool[at++]! / 256;
  });
}
