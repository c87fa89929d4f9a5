// README → What the sender gets back "A 200 is never sent before the commit", under the worst stop there is: SIGKILL of the
// receiver while it is taking load, five times on the same data dir. Afterwards every event id a
// sender got a 200 for must be in the database and must reach the plugin.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freshBuild, pluginSaw, post, receiverDir, start, storedEvents } from './support.js';
import type { Signed } from './support.js';

const ROUNDS = 5;
const CLIENTS = 16;

describe('SIGKILL under load', () => {
  it(`every id that got a 200 is stored and reaches its plugin, across ${ROUNDS} kills on one data dir`, async (t) => {
    const setup = receiverDir({ prefix: 'hookd-fault-kill-', plugin: true, server: { rateLimit: false } });
    const acked = new Map<string, number | 'resent'>(); // event id → round
    const unanswered: Signed[] = []; // requests cut off by a kill: the sender would retry them
    const other: Record<string, number> = {};

    for (let round = 1; round <= ROUNDS; round++) {
      const hookd = await start(setup);
      let running = true;
      let ackedThisRound = 0;
      const client = async () => {
        while (running) {
          const { body, headers } = freshBuild();
          const res = await post(hookd.url, body, headers, { timeoutMs: 10_000 });
          if (res.status === 200) {
            acked.set(res.json.id, round);
            ackedThisRound++;
          } else if (res.error) unanswered.push({ body, headers });
          else other[res.status] = (other[res.status] ?? 0) + 1;
        }
      };
      const clients = Array.from({ length: CLIENTS }, client);
      // Kill at a random moment once the receiver is clearly busy committing: the random window is
      // the point of the test; the 10 ms polls only watch the clock and the count of 200s.
      const killAt = Date.now() + 300 + Math.random() * 900;
      while (Date.now() < killAt || ackedThisRound < 50) await sleep(10);
      const { signal } = await hookd.kill();
      assert.equal(signal, 'SIGKILL');
      running = false;
      await Promise.all(clients);
      t.diagnostic(`round ${round}: killed after ${ackedThisRound} acknowledged events`);
    }

    // The sixth start: the store must hold every acknowledged event, and the plugin must catch up.
    const hookd = await start(setup);
    try {
      // A sender retries what got no answer: each is accepted now, or a duplicate if it had been committed.
      let retriedAccepted = 0;
      let retriedDuplicate = 0;
      for (const { body, headers } of unanswered) {
        const res = await post(hookd.url, body, headers);
        assert.equal(res.status, 200, `a resend after the kill answered ${res.status ?? res.error}`);
        if (res.json.status === 'duplicate') retriedDuplicate++;
        else retriedAccepted++;
        acked.set(res.json.id, 'resent');
      }

      const deadline = Date.now() + 60_000;
      let seen = pluginSaw(setup.pluginLog);
      while ([...acked.keys()].some((id) => !seen.has(id)) && Date.now() < deadline) {
        await sleep(250);
        seen = pluginSaw(setup.pluginLog);
      }
      const stored = storedEvents(path.join(setup.dataDir, 'hookd.db'));
      const notStored = [...acked.keys()].filter((id) => !stored.has(id));
      const notDispatched = [...acked.keys()].filter((id) => !seen.has(id));
      t.diagnostic(
        `acknowledged: ${acked.size} (incl. ${unanswered.length} resent after a kill: ${retriedAccepted} accepted, ${retriedDuplicate} already committed); ` +
          `stored: ${acked.size - notStored.length}; reached the plugin: ${acked.size - notDispatched.length}; other answers: ${JSON.stringify(other)}`,
      );
      assert.deepEqual(notStored, [], 'acknowledged events missing from the store');
      assert.deepEqual(notDispatched, [], 'acknowledged events the plugin never started on');
      assert.deepEqual(other, {}, 'only 200s (or a cut connection) while taking load');
      assert.ok(acked.size >= ROUNDS * 50);
    } finally {
      await hookd.stop();
    }
  });
});
