// README → What the sender gets back "503 — the store cannot commit before the ack deadline": another process holds the
// database's write lock (a second better-sqlite3 connection in BEGIN EXCLUSIVE). Every sender
// must get a 503 with Retry-After within the deadline, the receiver must stay responsive, and once
// the lock goes the very next webhooks are accepted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { freshBuild, post, receiverDir, start, storedEvents } from './support.js';

const DEADLINE_MS = 1000;
// Client-side time includes connecting and sending the body, which the deadline does not count.
const SLACK_MS = 300;

describe('database locked by another process', () => {
  it('answers 503 with Retry-After inside the ack deadline, and serves normally once the lock goes', async (t) => {
    const setup = receiverDir({ prefix: 'hookd-fault-lock-', server: { ackDeadlineMs: DEADLINE_MS, rateLimit: false } });
    const hookd = await start(setup);
    const dbFile = path.join(setup.dataDir, 'hookd.db');
    try {
      const first = freshBuild();
      assert.equal((await post(hookd.url, first.body, first.headers)).status, 200);

      const locker = new Database(dbFile, { timeout: 0 });
      locker.exec('BEGIN EXCLUSIVE');
      locker.prepare("INSERT INTO requests (id, source, received_at, content_type, headers, body) VALUES ('lock-holder', 'x', 0, NULL, '{}', x'00')").run();
      const lockedAt = Date.now();
      const timed = async () => {
        const { body, headers } = freshBuild();
        const t0 = performance.now();
        const res = await post(hookd.url, body, headers);
        return { ...res, ms: performance.now() - t0, sent: { body, headers } };
      };
      // Two waves: one as the lock is taken, one while the writer is already waiting on it.
      const wave1 = Promise.all(Array.from({ length: 20 }, timed));
      // The point of the second wave: it arrives with the writer 600 ms into waiting on the lock
      // (and wave 1 part-way through its deadline), so its deadline runs against a stuck writer.
      await sleep(600);
      const probeStart = performance.now();
      const health = await fetch(`${hookd.url}/healthz`);
      const probeMs = performance.now() - probeStart;
      const wave2 = Promise.all(Array.from({ length: 20 }, timed));
      const refused = [...(await wave1), ...(await wave2)];
      const heldMs = Date.now() - lockedAt;
      locker.exec('ROLLBACK');
      locker.close();

      const statuses: Record<string, number> = {};
      for (const r of refused) statuses[String(r.status ?? r.error?.code)] = (statuses[String(r.status ?? r.error?.code)] ?? 0) + 1;
      const slowest = Math.max(...refused.map((r) => r.ms));
      t.diagnostic(
        `lock held ${heldMs} ms; ${refused.length} webhooks meanwhile: ${JSON.stringify(statuses)}, slowest answer ${slowest.toFixed(0)} ms (deadline ${DEADLINE_MS} ms); /healthz during the lock: ${health.status} in ${probeMs.toFixed(0)} ms`,
      );
      assert.equal(health.status, 200, 'the receiver answers probes while the store is locked');
      for (const r of refused) {
        assert.equal(r.status, 503);
        assert.match(r.headers['retry-after'] ?? '', /^\d+$/, `a 503 carries Retry-After: ${r.text}`);
        assert.ok(r.ms <= DEADLINE_MS + SLACK_MS, `a 503 came after ${r.ms.toFixed(0)} ms`);
      }

      // The lock is gone: new webhooks are accepted at once, and the refused ones can be resent.
      const after = freshBuild();
      const t0 = performance.now();
      const ok = await post(hookd.url, after.body, after.headers);
      const recoveryMs = performance.now() - t0;
      assert.equal(ok.status, 200, `first webhook after the lock: ${ok.status}`);
      assert.equal(ok.json.status, 'accepted');
      const resent = await Promise.all(refused.map((r) => post(hookd.url, r.sent.body, r.sent.headers)));
      const resentStatuses: Record<string, number> = {};
      for (const r of resent) resentStatuses[`${r.status} ${r.json?.status}`] = (resentStatuses[`${r.status} ${r.json?.status}`] ?? 0) + 1;
      t.diagnostic(
        `after the lock: first webhook 200 in ${recoveryMs.toFixed(0)} ms; the ${refused.length} refused ones resent: ${JSON.stringify(resentStatuses)}`,
      );
      for (const r of resent) assert.equal(r.status, 200);
      const stored = storedEvents(dbFile);
      for (const r of resent) assert.ok(stored.has(r.json.id));
      assert.ok(!stored.has('lock-holder'), "the other process's rolled-back write is not there");
    } finally {
      await hookd.stop();
    }
  });
});
