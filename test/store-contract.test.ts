// Issue 12, point 6: one suite of store behaviours, run against both stores — the embedded SQLite
// file and the machine's PostgreSQL (each test in its own schema). What src/store/types.ts promises
// is checked here once, for both; what only a shared database can show (two instances racing,
// leases, NOTIFY) follows for PostgreSQL.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openStore } from '../dist/store/open.js';
import { tempDir } from './helpers/hookd.js';
import { dropSchema, newSchema, postgresStorage, TEST_DATABASE_URL } from './helpers/postgres.js';
import { HookdError } from '../dist/errors.js';
import type { ValidationIssue } from '../dist/iglu/index.js';
import type { EventQuery, EventStatus, NewEvent, NewRequest, PostgresStorageConfig, StorageConfig, Store, StoredEvent } from '../dist/store/types.js';

const schemas: string[] = [];
after(async () => {
  for (const s of schemas.splice(0)) await dropSchema(s);
});

type PostgresStorage = StorageConfig & { postgres: PostgresStorageConfig };

/** A storage config of either kind, on fresh ground. */
async function freshStorage(kind: 'sqlite'): Promise<StorageConfig>;
async function freshStorage(kind: 'postgres', overrides?: Partial<PostgresStorageConfig>): Promise<PostgresStorage>;
async function freshStorage(kind: Store['kind'], overrides?: Partial<PostgresStorageConfig>): Promise<StorageConfig>;
async function freshStorage(kind: Store['kind'], overrides: Partial<PostgresStorageConfig> = {}): Promise<StorageConfig> {
  const sqlite: StorageConfig['sqlite'] = { path: path.join(tempDir('hookd-contract-'), 'hookd.db'), synchronous: 'full' };
  if (kind === 'sqlite') return { sqlite };
  const schema = await newSchema();
  schemas.push(schema);
  return { sqlite, postgres: postgresStorage(schema, overrides) };
}

let n = 0;
const deadline = () => ({ deadline: Date.now() + 5000 });
interface RequestOptions {
  source?: string;
  key?: string;
  status?: EventStatus;
  errors?: ValidationIssue[] | null;
  schema?: string | null;
  body?: string | Buffer;
  receivedAt?: number;
  events?: NewEvent[];
}
function request({
  source = 'jobserv',
  key,
  status = 'accepted',
  errors = null,
  schema = null,
  body,
  receivedAt = Date.now(),
  events,
}: RequestOptions = {}): NewRequest {
  n++;
  const bytes = Buffer.from(body ?? JSON.stringify({ build_id: n, status: 'PASSED' }));
  return {
    source,
    receivedAt,
    contentType: 'application/json',
    headers: { 'content-type': 'application/json', 'x-jobserv-sig': `sha256:${'ab'.repeat(32)}` },
    body: bytes,
    events: events ?? [{ dedupeKey: key ?? `sha256:${n}-${Math.random()}`, schema, status, errors }],
  };
}
const idOf = async (store: Store, req: NewRequest): Promise<string> => (await store.append(req, deadline())).events[0].id;

/** An event that must be stored. */
async function mustGet(store: Store, id: string): Promise<StoredEvent> {
  const event = await store.getEvent(id);
  assert.ok(event, `event ${id} is stored`);
  return event;
}

/** The store's own refusal (a 503 past the deadline, a 409 lease_lost), with its status, code and headers. */
const isHookdError = (err: unknown): err is HookdError => err instanceof HookdError;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`store contract: ${kind}`, () => {
    const open = async (): Promise<Store> => openStore(await freshStorage(kind));

    it('keeps the exact bytes, headers and each batch delivery, and answers seqs in receipt order', async () => {
      const store = await open();
      try {
        assert.equal(store.kind, kind);
        const body = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0xa9, 0x22, 0x7d, 0x0a]); // {"a":"é"}\n
        const first = await store.append(request({ body }), deadline());
        const batch = await store.append(
          request({
            body: '{"deliveries":[1,2]}',
            events: [
              {
                dedupeKey: 'delivery:1',
                schema: 'iglu:com.shotgrid/event/jsonschema/1-0-0',
                status: 'accepted',
                errors: null,
                payload: Buffer.from('{"d":1}'),
              },
              {
                dedupeKey: 'delivery:2',
                schema: 'iglu:com.shotgrid/event/jsonschema/1-0-0',
                status: 'accepted',
                errors: null,
                payload: Buffer.from('{"d":2}'),
              },
            ],
          }),
          deadline(),
        );
        const seqs = [first, batch].flatMap((a) =>
          a.events.map((e) => {
            assert.equal(e.duplicate, false, 'each a new event');
            return e.seq;
          }),
        );
        assert.deepEqual(
          seqs,
          [...seqs].sort((a, b) => a - b),
          'seqs grow in receipt order',
        );
        assert.ok(first.committedAt >= Date.now() - 5000 && first.committedAt <= Date.now());

        const stored = await mustGet(store, first.events[0].id);
        assert.deepEqual(stored.body, body, 'the exact bytes');
        assert.deepEqual(stored.payload, body);
        assert.equal(stored.headers['x-jobserv-sig'], `sha256:${'ab'.repeat(32)}`);
        assert.equal(stored.contentType, 'application/json');
        const second = await mustGet(store, batch.events[1].id);
        assert.equal(second.item, 1);
        assert.equal(second.payload.toString(), '{"d":2}');
        assert.equal(second.body.toString(), '{"deliveries":[1,2]}', 'the batch keeps its signed body once');
        assert.equal(second.requestId, (await mustGet(store, batch.events[0].id)).requestId);

        assert.equal(await store.latestSeq(), Math.max(...seqs));
        assert.equal(await store.countEvents(), 3);
        assert.equal(await store.countEventsAfter(seqs[0]), 2);
        assert.equal(await store.seqOf(second.id), second.seq);
        assert.equal(await store.getEvent('01NOSUCHEVENT'), undefined);
        const candidates = await store.dispatchCandidates(0, 10);
        assert.deepEqual(
          candidates.map((c) => c.seq),
          seqs,
        );
        assert.deepEqual(
          (await store.dispatchEvents([seqs[2], seqs[1]])).map((e) => e.payload.toString()),
          ['{"d":1}', '{"d":2}'],
          'oldest first',
        );
        assert.equal((await store.payloadOf(seqs[2]))?.toString(), '{"d":2}');
      } finally {
        await store.close();
      }
    });

    it('stores one event per dedupe key and answers a duplicate with the first one', async () => {
      const store = await open();
      try {
        const errors = [{ path: '/status', message: 'must be equal to one of the allowed values' }];
        const a = await store.append(request({ key: 'sha256:same', status: 'quarantined', errors }), deadline());
        const b = await store.append(request({ key: 'sha256:same' }), deadline());
        assert.equal(a.events[0].duplicate, false);
        assert.deepEqual(b.events[0], { id: a.events[0].id, status: 'quarantined', duplicate: true, errors });
        // The same key in another source is another event; the same key twice in one batch is one.
        assert.equal((await store.append(request({ key: 'sha256:same', source: 'other' }), deadline())).events[0].duplicate, false);
        const twice = await store.append(
          request({
            events: [
              { dedupeKey: 'delivery:9', schema: null, status: 'accepted', errors: null, payload: Buffer.from('{}') },
              { dedupeKey: 'delivery:9', schema: null, status: 'accepted', errors: null, payload: Buffer.from('{}') },
            ],
          }),
          deadline(),
        );
        assert.equal(twice.events[1].duplicate, true);
        assert.equal(twice.events[1].id, twice.events[0].id);
        // Many at once (one group commit): still one each.
        const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(request({ key: `k${i % 5}` }), deadline())));
        assert.equal(answers.filter((r) => !r.events[0].duplicate).length, 5);
        assert.equal(await store.countEvents(), 3 + 5);
      } finally {
        await store.close();
      }
    });

    it('filters listings by source, status, schema pattern, time, text, outcome, and pages by seq', async () => {
      const store = await open();
      try {
        const t0 = Date.now() - 60_000;
        const a = await idOf(store, request({ source: 'foundries', receivedAt: t0, body: '{"status":"FAILED","note":"50% done_x"}' }));
        const b = await idOf(
          store,
          request({ source: 'factotum', receivedAt: t0 + 1000, schema: 'iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1-0-0' }),
        );
        const c = await idOf(
          store,
          request({
            source: 'factotum',
            receivedAt: t0 + 2000,
            status: 'quarantined',
            errors: [],
            schema: 'iglu:com.snowplowanalytics.factotum/task_update/jsonschema/1-0-0',
          }),
        );
        const ids = async (q: Partial<EventQuery>): Promise<string[]> => (await store.searchEvents({ limit: 50, ...q })).map((e) => e.id);
        assert.deepEqual(await ids({}), [c, b, a], 'newest first');
        assert.deepEqual(await ids({ order: 'oldest' }), [a, b, c]);
        assert.deepEqual(await ids({ source: 'factotum' }), [c, b]);
        assert.deepEqual(await ids({ status: 'quarantined' }), [c]);
        assert.deepEqual(await ids({ schema: 'iglu:com.snowplowanalytics.factotum/*' }), [c, b]);
        assert.deepEqual(await ids({ schema: 'iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1-0-0' }), [b]);
        assert.deepEqual(await ids({ schema: 'iglu:com.snowplowanalytics.factotum/job_%' }), [], '% is literal');
        assert.deepEqual(await ids({ since: t0 + 1000, until: t0 + 2000 }), [b]);
        assert.deepEqual(await ids({ text: 'failed' }), [a], 'case-insensitive');
        assert.deepEqual(await ids({ text: '50% done_x' }), [a], '% and _ are literal');
        assert.deepEqual(await ids({ text: '50%%' }), []);
        const seqB = await store.seqOf(b);
        assert.ok(seqB !== undefined);
        assert.deepEqual(await ids({ beforeSeq: seqB }), [a]);
        assert.deepEqual(await ids({ afterSeq: seqB }), [c]);
        assert.deepEqual(await ids({ limit: 1 }), [c]);
        const summary = (await store.searchEvents({ limit: 1, order: 'oldest' }))[0];
        assert.equal(summary.size, Buffer.byteLength('{"status":"FAILED","note":"50% done_x"}'));
        // The type has no body either; this checks what the store really answered.
        assert.equal((summary as Partial<StoredEvent>).body, undefined, 'a listing carries no bodies');
        assert.deepEqual(
          (await store.listEvents({ limit: 50, source: 'foundries' })).map((e) => e.body.toString()),
          ['{"status":"FAILED","note":"50% done_x"}'],
        );

        await store.registerPlugin({ name: 'notify', origin: 'file', file: null, cursor: 0 });
        await store.leasePlugins(['notify']);
        await store.recordDispatch({ plugin: 'notify', outcomes: [{ eventId: b, status: 'failed', attempts: 3, error: 'boom', output: null }] });
        assert.deepEqual(await ids({ outcome: { status: 'failed' } }), [b]);
        assert.deepEqual(await ids({ outcome: { plugin: 'notify' } }), [b]);
        assert.deepEqual(await ids({ outcome: { plugin: 'other' } }), []);
      } finally {
        await store.close();
      }
    });

    it('prunes events received before a time, and the requests left without events', async () => {
      const store = await open();
      try {
        const old = await idOf(store, request({ key: 'sha256:pruned', receivedAt: Date.now() - 10 * 86_400_000 }));
        const fresh = await idOf(store, request());
        assert.deepEqual(await store.prune(Date.now() - 86_400_000), { events: 1 });
        assert.equal(await store.getEvent(old), undefined);
        assert.ok(await store.getEvent(fresh));
        assert.equal(await store.countEvents(), 1);
        // A resend of the pruned webhook is new again (its key went with it).
        const [resent] = (await store.append(request({ key: 'sha256:pruned' }), deadline())).events;
        assert.equal(resent.duplicate, false, 'not answered as a duplicate of the pruned event');
        assert.notEqual(resent.id, old);
      } finally {
        await store.close();
      }
    });

    it('plugins: registered once, state changes bump stateVersion, progress commits together and the cursor never moves back', async () => {
      const store = await open();
      try {
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push(await idOf(store, request()));
        const row = await store.registerPlugin({ name: 'notify', origin: 'file', file: '/plugins/notify.mjs', cursor: 1 });
        assert.deepEqual([row.cursor, row.state, row.present, row.stateVersion], [1, 'active', true, 0]);
        assert.equal(
          (await store.registerPlugin({ name: 'notify', origin: 'file', file: '/plugins/notify.mjs', cursor: 99 })).cursor,
          1,
          'seen before: keeps its cursor',
        );
        assert.deepEqual(await store.leasePlugins(['notify']), new Set(['notify']));

        await store.recordDispatch({
          plugin: 'notify',
          outcomes: [
            { eventId: ids[1], status: 'done', attempts: 1, error: null, output: 'ok' },
            { eventId: 'gone', status: 'done', attempts: 1, error: null, output: null },
          ],
          cursor: 3,
          failures: 0,
        });
        await store.recordDispatch({
          plugin: 'notify',
          outcomes: [{ eventId: ids[1], status: 'done', attempts: 2, error: null, output: 'again' }],
          cursor: 2,
          failures: 1,
          lastError: 'x',
        });
        const [cursor] = await store.pluginCursors();
        assert.deepEqual([cursor.cursor, cursor.failures, cursor.lastError], [3, 1, 'x'], 'the cursor never moves back');
        const outcomes = await store.outcomesFor(ids[1]);
        assert.deepEqual(
          outcomes.map((o) => [o.plugin, o.status, o.attempts, o.output]),
          [['notify', 'done', 2, 'again']],
        );

        const disabled = await store.updatePlugin('notify', { state: 'disabled' });
        assert.ok(disabled);
        assert.deepEqual([disabled.state, disabled.stateVersion], ['disabled', 1]);
        assert.equal((await store.updatePlugin('notify', { hash: 'abc' }))?.stateVersion, 1, 'no state change, no bump');
        assert.equal((await store.updatePlugin('notify', { present: false }))?.present, false);
        assert.equal(await store.updatePlugin('nobody', { state: 'active' }), undefined);
      } finally {
        await store.close();
      }
    });

    it('redeliveries: queued once per (event, plugin), unknown ids ignored, taken in order, removed when done', async () => {
      const store = await open();
      try {
        const [a, b] = [await idOf(store, request()), await idOf(store, request())];
        await store.registerPlugin({ name: 'a', origin: 'file', file: null, cursor: 0 });
        await store.registerPlugin({ name: 'b', origin: 'file', file: null, cursor: 0 });
        await store.registerPlugin({ name: 'gone', origin: 'file', file: null, cursor: 0 });
        await store.updatePlugin('gone', { present: false });
        await store.leasePlugins(['a', 'b']);
        assert.equal(await store.enqueueRedelivery([b, a, 'unknown']), 4, 'every plugin present, not the removed one');
        assert.equal(await store.enqueueRedelivery([b]), 0, 'already queued');
        assert.equal(await store.enqueueRedelivery([a], 'gone'), 1, 'one named plugin, present or not');
        const next = await store.nextRedelivery('a');
        assert.ok(next);
        assert.equal(next.eventId, b, 'in the order asked for');
        await store.recordDispatch({ plugin: 'a', outcomes: [], redelivered: next.id });
        assert.equal((await store.nextRedelivery('a'))?.eventId, a);
        assert.equal(await store.nextRedelivery('nobody'), undefined);
      } finally {
        await store.close();
      }
    });

    it("revalidate's update queues the released events for every plugin present, in the same transaction", async () => {
      const store = await open();
      try {
        const q1 = await idOf(store, request({ status: 'quarantined', errors: [{ path: '', message: 'no' }] }));
        const q2 = await idOf(store, request({ status: 'quarantined', errors: [{ path: '', message: 'no' }] }));
        await store.registerPlugin({ name: 'a', origin: 'file', file: null, cursor: 0 });
        await store.registerPlugin({ name: 'b', origin: 'file', file: null, cursor: 0 });
        const { queued } = await store.updateValidation([
          { id: q1, status: 'accepted', schema: 'iglu:com.acme/x/jsonschema/1-0-0', errors: null },
          { id: q2, status: 'quarantined', schema: null, errors: [{ path: '/x', message: 'still no' }] },
        ]);
        assert.equal(queued, 2, 'q1 for a and b; q2 stays out');
        const released = await mustGet(store, q1);
        assert.deepEqual([released.status, released.schema, released.errors], ['accepted', 'iglu:com.acme/x/jsonschema/1-0-0', null]);
        assert.deepEqual((await mustGet(store, q2)).errors, [{ path: '/x', message: 'still no' }]);
        assert.equal((await store.nextRedelivery('a'))?.eventId, q1);
        assert.equal((await store.nextRedelivery('b'))?.eventId, q1);
      } finally {
        await store.close();
      }
    });

    it('an append whose deadline has passed is refused with a 503 and Retry-After', async () => {
      const store = await open();
      try {
        await assert.rejects(
          store.append(request(), { deadline: Date.now() - 1 }),
          (err) => isHookdError(err) && err.status === 503 && Number(err.headers['Retry-After']) > 0,
        );
        assert.ok(await store.append(request(), deadline()), 'the next one is stored');
      } finally {
        await store.close();
      }
    });

    it('reports its migrations and size; a read-only open reads and refuses writes', async () => {
      const storage = await freshStorage(kind);
      const store = await openStore(storage);
      let reader: Store | undefined;
      try {
        const id = await idOf(store, request());
        const report = await store.report();
        assert.deepEqual([report.applied, report.pending, report.appliedNow, report.events], [[1, 2, 3], [], [1, 2, 3], 1]);
        assert.equal(report.problem, undefined);
        reader = await openStore(storage, { readOnly: true });
        assert.equal((await mustGet(reader, id)).id, id);
        assert.deepEqual((await reader.report()).appliedNow, []);
        await assert.rejects(reader.append(request(), deadline()), /read-only/);
      } finally {
        await reader?.close();
        await store.close();
      }
      const again = await openStore(storage);
      assert.deepEqual((await again.report()).appliedNow, [], 'nothing is applied twice');
      await again.close();
    });

    it('a read-only open of a store never migrated says to run hookd migrate', async () => {
      const storage = await freshStorage(kind);
      if (kind === 'sqlite') {
        await assert.rejects(openStore(storage, { readOnly: true }), /no database at .* yet/);
      } else {
        await assert.rejects(openStore(storage, { readOnly: true }), /needs migrating first: run `hookd migrate`/);
      }
    });
  });
}

describe('store contract: PostgreSQL, several instances on one database', () => {
  const pair = async (overrides?: Partial<PostgresStorageConfig>): Promise<[Store, Store, PostgresStorage]> => {
    const storage = await freshStorage('postgres', overrides);
    return [await openStore(storage), await openStore(storage), storage];
  };

  it('two instances racing on the same dedupe keys store each once', async () => {
    const [a, b] = await pair();
    try {
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append(request({ key: `race-${i % 10}` }), deadline())));
      const byKey = new Map<number, string>();
      for (const [i, r] of answers.entries()) {
        const key = i % 10;
        if (byKey.has(key)) assert.equal(r.events[0].id, byKey.get(key), 'every answer for a key names the same event');
        else byKey.set(key, r.events[0].id);
      }
      assert.equal(answers.filter((r) => !r.events[0].duplicate).length, 10);
      assert.equal(await a.countEvents(), 10);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a cursor never skips an event: seqs become visible in order although two instances commit at once', async () => {
    const [a, b] = await pair();
    try {
      let writing = true;
      const writers = [a, b].map(async (store) => {
        let count = 0;
        while (writing) {
          await Promise.all(Array.from({ length: 8 }, () => store.append(request(), deadline())));
          count += 8;
        }
        return count;
      });
      // A plugin's view: read after the cursor, move the cursor to the last seq seen.
      const seen = new Set<number>();
      let cursor = 0;
      const until = Date.now() + 2500;
      while (Date.now() < until) {
        for (const c of await a.dispatchCandidates(cursor, 100)) {
          seen.add(c.seq);
          cursor = c.seq;
        }
      }
      writing = false;
      const written = (await Promise.all(writers)).reduce((x, y) => x + y, 0);
      for (let more = await a.dispatchCandidates(cursor, 1000); more.length; more = await a.dispatchCandidates(cursor, 1000)) {
        for (const c of more) {
          seen.add(c.seq);
          cursor = c.seq;
        }
      }
      const all = (await a.dispatchCandidates(0, 100_000)).map((c) => c.seq);
      assert.equal(all.length, written);
      assert.deepEqual(
        all.filter((s) => !seen.has(s)),
        [],
        'no event appeared behind the cursor',
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('each plugin is leased to one instance: released at once on request, expired when not renewed', async () => {
    const [a, b] = await pair({ leaseMs: 600 });
    try {
      const id = await idOf(a, request());
      for (const name of ['p', 'q']) await a.registerPlugin({ name, origin: 'file', file: null, cursor: 0 });
      assert.deepEqual(await a.leasePlugins(['p', 'q']), new Set(['p', 'q']));
      assert.deepEqual(await b.leasePlugins(['p', 'q']), new Set(), 'held by a');
      assert.deepEqual(await a.leasePlugins(['p', 'q']), new Set(['p', 'q']), 'a renews its own');

      await assert.rejects(
        b.recordDispatch({ plugin: 'p', outcomes: [{ eventId: id, status: 'done', attempts: 1, error: null, output: null }], cursor: 1 }),
        (err) => isHookdError(err) && err.status === 409 && err.code === 'lease_lost',
      );
      assert.deepEqual(await a.outcomesFor(id), [], 'the refused step wrote nothing');
      assert.equal((await a.pluginCursors())[0].cursor, 0);

      await a.releasePlugins(['p']);
      assert.deepEqual(await b.leasePlugins(['p', 'q']), new Set(['p']), 'released: b takes it at once');
      await sleep(800); // what is tested: a stops renewing q, and past leaseMs (600) its lease expires
      assert.deepEqual(await b.leasePlugins(['p', 'q']), new Set(['p', 'q']), 'expired: b takes it');
      await assert.rejects(a.recordDispatch({ plugin: 'q', outcomes: [], cursor: 1 }), (err) => isHookdError(err) && err.code === 'lease_lost');
      await b.recordDispatch({ plugin: 'q', outcomes: [], cursor: 1 });
      assert.equal((await b.pluginCursors()).find((c) => c.plugin === 'q')?.cursor, 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("one instance's commit wakes the other ('changed', by NOTIFY), not itself", async () => {
    const [a, b] = await pair();
    try {
      let selfWoken = 0;
      a.on('changed', () => selfWoken++);
      const woken = new Promise<void>((resolve) => {
        const onChanged = (): void => {
          b.off('changed', onChanged);
          resolve();
        };
        b.on('changed', onChanged);
      });
      await a.append(request(), deadline());
      // The bound on the wait: NOTIFY takes milliseconds, so 3 s without one is a failure, not a hang.
      await Promise.race([woken, sleep(3000).then(() => assert.fail('no NOTIFY reached the other instance'))]);
      assert.equal(selfWoken, 0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('an append that cannot commit before its deadline gets a 503 at the deadline, never a late 200', async () => {
    const [a, b, storage] = await pair();
    // Another session holds the append lock of this schema: nothing can commit meanwhile.
    const blocker = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SET LOCAL search_path TO "${storage.postgres.schema}"`);
      await blocker.query("SELECT pg_advisory_xact_lock(hashtext('hookd.append.' || current_schema()))");
      const started = Date.now();
      const err = await a.append(request({ key: 'blocked' }), { deadline: started + 400 }).then(
        () => assert.fail('answered before it could commit'),
        (e: unknown) => e,
      );
      assert.ok(isHookdError(err), String(err));
      const waited = Date.now() - started;
      assert.equal(err.status, 503);
      assert.ok(err.headers['Retry-After']);
      assert.ok(waited >= 380 && waited < 1500, `answered after ${waited} ms`);
      await blocker.query('ROLLBACK');
      // The resend is settled by dedupe, whatever became of the first attempt.
      const resend = await b.append(request({ key: 'blocked' }), deadline());
      assert.equal(await a.countEvents(), 1);
      assert.ok(resend.events[0].id);
    } finally {
      await blocker.end();
      await a.close();
      await b.close();
    }
  });

  it('shows where it is without the password', async () => {
    const storage = await freshStorage('postgres');
    const store = await openStore({
      ...storage,
      postgres: { ...storage.postgres, url: TEST_DATABASE_URL.replace('postgres@', 'postgres:not-a-real-password@') },
    });
    try {
      const { location } = await store.report();
      assert.doesNotMatch(location, /not-a-real-password/);
      assert.match(location, new RegExp(`schema ${storage.postgres.schema}`));
    } finally {
      await store.close();
    }
  });
});
