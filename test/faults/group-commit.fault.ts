// Group commit under a failing call: calls that arrive together share one transaction, and one
// that throws must neither take the others down nor leave half of itself behind. The writer runs a
// batch without savepoints and, only when a call throws, rolls back and runs it again with one
// savepoint per call; this drives that path through the real writer thread and SQLite file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../dist/store/sqlite/index.js';
import type { EventStatus, NewRequest, StoreEvents } from '../../dist/store/types.js';
import { tempDir } from './support.js';

const request = (n: number, status: EventStatus = 'accepted'): NewRequest => ({
  source: 'foundries',
  receivedAt: Date.now(),
  contentType: 'application/json',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(`{"build_id": ${n}}`),
  events: [{ dedupeKey: `sha256:group-commit-${n}`, schema: null, status, errors: null }],
});

describe('group commit with a failing call', () => {
  it('commits the calls that succeed, fails only the bad one, and leaves no part of it stored', async (t) => {
    const file = path.join(tempDir('hookd-fault-group-'), 'hookd.db');
    const store = await SqliteStore.open({ path: file, synchronous: 'full' });
    const batches: StoreEvents['batch'][0][] = [];
    // The store passes on its writer thread's 'batch' (one per committed transaction) as it comes.
    store.on('batch', (b: StoreEvents['batch'][0]) => batches.push(b));
    try {
      const deadline = Date.now() + 5000;
      // Hold the writer in a first transaction (waiting on another connection's lock) so the three
      // calls queue up behind it and are taken as one batch: message timing alone does not promise that.
      const locker = new Database(file);
      locker.exec('BEGIN IMMEDIATE');
      const primer = store.append(request(0), { deadline });
      // Time for the primer to reach the writer thread and block in BEGIN IMMEDIATE. Nothing outside
      // the thread marks that moment (it is stuck in SQLite's busy handler), and sent together the
      // primer and the three calls would be one batch of four: this wait is what orders them.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const calls = [
        store.append(request(1), { deadline }),
        // @ts-expect-error -- deliberately not an EventStatus: it violates the status CHECK constraint
        store.append(request(2, 'bogus'), { deadline }),
        store.append(request(3), { deadline }),
      ];
      // Time for the three calls (one message) to reach the thread while the lock still holds it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      locker.exec('COMMIT');
      locker.close();
      await primer;
      const [a, bad, c] = await Promise.allSettled(calls);
      assert.equal(a.status, 'fulfilled');
      assert.equal(c.status, 'fulfilled');
      assert.equal(bad.status, 'rejected');
      assert.equal(bad.reason.status, 503, 'a store failure is the receiver’s 503, never the sender’s fault');
      t.diagnostic(`batches: ${JSON.stringify(batches)}; the bad call: ${bad.reason.code}`);
      assert.ok(
        batches.some((b) => b.size === 3),
        'the three calls shared one transaction',
      );

      const db = new Database(file, { readonly: true });
      const events = db.prepare('SELECT dedupe_key FROM events ORDER BY seq').pluck().all() as string[];
      const bodies = (db.prepare('SELECT body FROM requests').all() as { body: Buffer }[]).map((r) => r.body.toString());
      db.close();
      assert.deepEqual(events, ['sha256:group-commit-0', 'sha256:group-commit-1', 'sha256:group-commit-3']);
      assert.deepEqual(bodies.sort(), ['{"build_id": 0}', '{"build_id": 1}', '{"build_id": 3}'], 'the failed call’s request row was undone too');
      assert.equal((await store.getEvent(a.value.events[0].id))?.dedupeKey, 'sha256:group-commit-1');
    } finally {
      await store.close();
    }
  });
});
