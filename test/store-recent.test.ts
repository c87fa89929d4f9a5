// The store keeps the events this process committed last in memory for the plugins that keep up
// (src/store/sqlite/recent.ts). What it answers must be exactly what SQLite would answer, and it
// must never skip an event it does not hold.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecentEvents } from '../dist/store/sqlite/recent.js';
import { SECRET, baseConfig, jobservBuild, post, pythonJsonDumps, signedHeaders, startReceiver } from './helpers/hookd.js';
import type { NewRequest, StoredEvent } from '../dist/store/types.js';

const SG_SECRET = 'sg-test-token-not-real';

/** A committed request as the store hands it to RecentEvents: `n` events, seqs from `firstSeq`. */
function committed(recent: RecentEvents, firstSeq: number, n = 1, { bodyBytes = 100 } = {}): void {
  const body = Buffer.alloc(bodyBytes, 'x');
  const request: NewRequest = {
    source: 'src',
    receivedAt: 1,
    contentType: 'application/json',
    headers: { 'content-type': 'application/json' },
    body,
    events: Array.from({ length: n }, (_, i) => ({ dedupeKey: `k${firstSeq + i}`, schema: null, status: 'accepted', errors: null })),
  };
  recent.add(
    request,
    `req-${firstSeq}`,
    request.events.map((ev, item) => ({ id: `ev-${firstSeq + item}`, status: ev.status, duplicate: false, seq: firstSeq + item })),
  );
}

/** These events, which RecentEvents must hold. */
function held(recent: RecentEvents, seqs: number[]): StoredEvent[] {
  const events = recent.events(seqs);
  assert.ok(events, `seqs ${seqs.join(', ')} are held`);
  return events;
}

describe('RecentEvents: answers only for runs it holds whole', () => {
  it('serves consecutive seqs from exactly after the cursor, and nothing across a gap', () => {
    const recent = new RecentEvents();
    committed(recent, 10, 3); // 10, 11, 12
    committed(recent, 14); // 13 was committed by someone else
    assert.deepEqual(
      recent.candidates(9, 100)?.map((e) => e.seq),
      [10, 11, 12],
    );
    assert.deepEqual(
      recent.candidates(10, 1)?.map((e) => e.seq),
      [11],
      'the limit holds',
    );
    assert.equal(recent.candidates(12, 100), undefined, '13 is not held: SQLite is asked, 14 is not skipped to');
    assert.deepEqual(
      recent.candidates(13, 100)?.map((e) => e.seq),
      [14],
    );
    assert.equal(recent.candidates(8, 100), undefined, '9 is not held');
    assert.deepEqual(
      recent.events([11, 14])?.map((e) => e.id),
      ['ev-11', 'ev-14'],
    );
    assert.equal(recent.events([12, 13]), undefined, 'all or nothing');
  });

  it("keeps a request's shape: one body for its events, request id, item, payload", () => {
    const recent = new RecentEvents();
    committed(recent, 1, 2);
    const [a, b] = held(recent, [1, 2]);
    assert.equal(a.body, b.body, 'one Buffer, so it crosses to a plugin thread once per batch');
    assert.equal(a.payload, a.body, "a single event's payload is the body");
    assert.deepEqual([a.requestId, a.item, b.requestId, b.item], ['req-1', 0, 'req-1', 1]);
    assert.ok(Object.isFrozen(a), 'shared with every caller: nobody may change it');
  });

  it('is bounded by count, bytes and age', () => {
    const byCount = new RecentEvents({ events: 3, bytes: Infinity, ageMs: 60_000 });
    for (let seq = 1; seq <= 5; seq++) committed(byCount, seq);
    assert.equal(byCount.size, 3);
    assert.equal(byCount.candidates(0, 10), undefined, 'the oldest went first');
    assert.deepEqual(
      byCount.candidates(2, 10)?.map((e) => e.seq),
      [3, 4, 5],
    );

    const byBytes = new RecentEvents({ events: 100, bytes: 250, ageMs: 60_000 });
    for (let seq = 1; seq <= 4; seq++) committed(byBytes, seq, 1, { bodyBytes: 100 });
    assert.equal(byBytes.size, 2);

    const byAge = new RecentEvents({ events: 100, bytes: Infinity, ageMs: -1 });
    committed(byAge, 1);
    assert.equal(byAge.candidates(0, 10), undefined, 'too old to trust');
    assert.equal(byAge.events([1]), undefined);
  });

  it('a fresh read replaces what is held; clear() forgets everything', () => {
    const recent = new RecentEvents();
    committed(recent, 1);
    const [before] = held(recent, [1]);
    recent.refresh({ ...before, status: 'quarantined', schema: 'iglu:x/y/jsonschema/1-0-0', body: Buffer.from('other') });
    const [now] = held(recent, [1]);
    assert.equal(now.status, 'quarantined');
    assert.equal(now.schema, 'iglu:x/y/jsonschema/1-0-0');
    assert.equal(now.body, before.body, 'the bytes never change');
    recent.refresh({ ...before, seq: 99 });
    assert.equal(recent.events([99]), undefined, 'only what is held is refreshed');
    recent.clear();
    assert.equal(recent.size, 0);
    assert.equal(recent.candidates(0, 10), undefined);
  });
});

describe('SqliteStore: what dispatch reads from memory is what SQLite holds', () => {
  it('single events, a ShotGrid batch with a duplicate, and a quarantined event read the same both ways', async () => {
    const r = await startReceiver(
      baseConfig({
        sources: {
          foundries: { kind: 'jobserv', secret: SECRET },
          shotgrid: { kind: 'shotgrid', secret: SG_SECRET },
        },
      }),
    );
    try {
      const { store } = r.hookd;
      const hook = (s: string): string => `${r.url}/hooks/${s}`;
      const start = await store.latestSeq();
      for (const n of [1, 2]) {
        const body = pythonJsonDumps(jobservBuild(n));
        assert.equal((await post(hook('foundries'), body, signedHeaders('jobserv', SECRET, body, { 'x-request-id': `req-${n}` }))).status, 200);
      }
      const invalid = pythonJsonDumps({ ...jobservBuild(3), status: 42 });
      assert.equal((await post(hook('foundries'), invalid, signedHeaders('jobserv', SECRET, invalid))).status, 422);
      const delivery = (id: number) => ({
        id: `del-${id}`,
        delivery_id: `d-${id}`,
        event_log_entry_id: id,
        event_type: 'Shotgun_Shot_Change',
        operation: 'update',
        entity: { type: 'Shot', id },
        project: { type: 'Project', id: 70 },
        meta: { type: 'attribute_change' },
        created_at: '2022-02-01T20:53:08Z',
      });
      const first = JSON.stringify({ timestamp: '2022-02-01T20:53:09Z', data: { deliveries: [delivery(1)] } });
      assert.equal((await post(hook('shotgrid'), first, signedHeaders('shotgrid', SG_SECRET, first))).status, 200);
      // Its first delivery is a duplicate: the request's id is not the id of its first new event.
      const batch = JSON.stringify({ timestamp: '2022-02-01T20:53:10Z', data: { deliveries: [delivery(1), delivery(2), delivery(3)] } });
      assert.equal((await post(hook('shotgrid'), batch, signedHeaders('shotgrid', SG_SECRET, batch))).status, 200);

      // SQLite's AUTOINCREMENT spends a seq on the duplicate it does not insert: a gap after the batch's first new event.
      const seqs = (await store.listEvents({ limit: 100, order: 'oldest' })).map((e) => e.seq).filter((seq) => seq > start);
      assert.equal(seqs.length, 6);
      const fromMemory = await store.dispatchEvents(seqs);
      const candidates = await store.dispatchCandidates(start, 100);
      // Fresh reads from SQLite for comparison (getEvent goes to the read connection).
      const fromDisk = await Promise.all(
        fromMemory.map(async (e) => {
          const stored = await store.getEvent(e.id);
          assert.ok(stored, `${e.id} is in SQLite`);
          return stored;
        }),
      );
      assert.deepEqual(
        fromMemory.map((e) => ({ ...e })),
        fromDisk.map((e) => ({ ...e })),
      );
      assert.deepEqual(
        fromMemory.map((e) => e.status),
        ['accepted', 'accepted', 'quarantined', 'accepted', 'accepted', 'accepted'],
      );
      for (const e of fromMemory) assert.deepEqual(await store.payloadOf(e.seq), e.payload);
      // Candidates from memory stop at the gap; the next read after it comes from SQLite, and nothing is skipped.
      const gap = seqs.findIndex((seq, i) => i > 0 && seq !== seqs[i - 1] + 1);
      assert.equal(gap, 4);
      assert.deepEqual(
        candidates.map((c) => [c.seq, c.id, c.source, c.status, c.schema]),
        fromDisk.slice(0, gap).map((e) => [e.seq, e.id, e.source, e.status, e.schema]),
      );
      const after = await store.dispatchCandidates(seqs[gap - 1], 100);
      assert.deepEqual(
        after.map((c) => c.seq),
        seqs.slice(gap),
      );
      assert.ok(!Object.isFrozen(after[0]), 'read from SQLite');
      assert.ok(Object.isFrozen(fromMemory[0]), 'these came from memory, not from a query');
    } finally {
      await r.hookd.close();
    }
  });
});
