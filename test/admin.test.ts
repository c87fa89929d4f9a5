// README → Admin API; Guarantees "Admin API", issue 5 §1: the admin listener, over real HTTP with a real SQLite file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SECRET, jobservBuild, post, pythonJsonDumps, signedHeaders, startReceiver, tempDir } from './helpers/hookd.js';
import { openStream, parsePrometheus, sample } from './helpers/admin.js';
import { RejectionLog } from '../dist/admin/rejections.js';
import { detailJson } from '../dist/admin/event-json.js';
import { decodeCursor, encodeCursor } from '../dist/admin/event-query.js';
import type { EventSummaryJson } from '../dist/admin/event-json.js';
import type { rejectionJson } from '../dist/admin/rejections.js';
import type { Outcome } from '../dist/dispatch/types.js';
import type { StoredEvent } from '../dist/store/types.js';
import type { ConfigInput, Posted, Receiver } from './helpers/hookd.js';

type RejectionJson = ReturnType<typeof rejectionJson>;
/** What `until` answers: the test's value once it is truthy. */
type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

const ADMIN_TOKEN = 'test-admin-token-not-real';
const GH_SECRET = 'gh-test-secret-not-real';
const SG_SECRET = 'sg-test-secret-not-real';
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

function config(): ConfigInput {
  return {
    server: { port: 0, host: '127.0.0.1', rateLimit: false },
    admin: { port: 0, token: ADMIN_TOKEN },
    log: { level: 'warn' },
    sources: {
      jobserv: { kind: 'jobserv', secret: SECRET },
      gh: { kind: 'github', secret: GH_SECRET },
      tiny: { kind: 'jobserv', secret: SECRET, bodyLimit: 64 },
      sg: { kind: 'shotgrid', secret: SG_SECRET },
    },
  };
}

describe('admin API', () => {
  let r: Receiver;
  let admin: string;
  const ids: Record<string, string> = {};
  const get = async (path: string, headers: Record<string, string> = auth): Promise<Posted> => {
    const res = await fetch(`${admin}${path}`, { headers });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, headers: res.headers, json, text };
  };
  const sendJobserv = async (value: unknown): Promise<Posted> => {
    const body = pythonJsonDumps(value);
    return post(`${r.url}/hooks/jobserv`, body, signedHeaders('jobserv', SECRET, body));
  };
  const sendGh = async (value: unknown, extra: Record<string, string> = {}): Promise<Posted> => {
    const body = JSON.stringify(value);
    return post(`${r.url}/hooks/gh`, body, signedHeaders('github', GH_SECRET, body, { 'x-github-delivery': `d-${Math.random()}`, ...extra }));
  };

  before(async () => {
    r = await startReceiver(config());
    admin = r.hookd.adminUrl;
    ids.passed = (await sendJobserv(jobservBuild(1, 'PASSED'))).json.id;
    ids.failed = (await sendJobserv(jobservBuild(2, 'FAILED'))).json.id;
    const q = await sendJobserv({ build_id: 3, status: 'PASSED' });
    assert.equal(q.status, 422);
    ids.quarantined = q.json.id;
    ids.gh = (await sendGh({ action: 'opened', number: 7 })).json.id;
  });
  after(() => r.hookd.close());

  describe('every admin route needs the bearer token', () => {
    const routes: [string, string][] = [
      ['GET', '/api/events'],
      ['GET', '/api/events/ID'],
      ['GET', '/api/events/ID/raw'],
      ['POST', '/api/events/ID/replay'],
      ['GET', '/api/plugins'],
      ['POST', '/api/plugins/anything/enable'],
      ['POST', '/api/plugins/anything/disable'],
      ['GET', '/api/rejections'],
      ['GET', '/api/stream'],
      ['GET', '/metrics'],
      ['GET', '/api/no-such-route'],
    ];
    const wrong: [string, Record<string, string>, string][] = [
      ['no credentials', {}, ''],
      ['a wrong bearer token', { authorization: 'Bearer not-the-token' }, ''],
      ['the token as X-Hookd-Token (sources only)', { 'x-hookd-token': ADMIN_TOKEN }, ''],
      ['the token as ?token= (sources only)', {}, `?token=${ADMIN_TOKEN}`],
      ['the token as Basic credentials', { authorization: `Basic ${Buffer.from(`x:${ADMIN_TOKEN}`).toString('base64')}` }, ''],
    ];
    for (const [method, path] of routes) {
      it(`${method} ${path}: 401 without the right bearer token, never data`, async () => {
        for (const [why, headers, query] of wrong) {
          const res = await fetch(`${admin}${path.replace('ID', ids.passed)}${query}`, { method, headers });
          const text = await res.text();
          assert.equal(res.status, 401, `${why}: ${text}`);
          assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="hookd admin"');
          assert.ok(!text.includes(ids.passed), 'no event data in a 401');
        }
      });
    }

    it('the same routes answer with the token', async () => {
      for (const [method, path] of routes.slice(0, 2).concat([routes[4], routes[7], routes[9]])) {
        const res = await fetch(`${admin}${path.replace('ID', ids.passed)}`, { method, headers: auth });
        assert.equal(res.status, 200, `${method} ${path}`);
        await res.arrayBuffer();
      }
      const unknown = await get('/api/no-such-route');
      assert.equal(unknown.status, 404);
    });

    it('the probes and the inspector page need no token; the page carries no data', async () => {
      for (const path of ['/healthz', '/readyz', '/', '/inspector.js', '/inspector.css']) {
        const res = await fetch(`${admin}${path}`);
        const text = await res.text();
        assert.equal(res.status, 200, path);
        assert.ok(!text.includes(ids.passed) && !text.includes(ADMIN_TOKEN), `${path} holds no event and no token`);
      }
      const page = await fetch(`${admin}/`);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/, 'the page may load nothing from elsewhere');
      for (const path of ['/healthz', '/readyz']) assert.equal((await fetch(`${r.url}${path}`)).status, 200, `ingest ${path}`);
    });

    it('the admin API is not on the ingest port (an ngrok tunnel to it cannot reach the API)', async () => {
      for (const path of ['/api/events', '/api/rejections', '/metrics', '/']) {
        const res = await fetch(`${r.url}${path}`, { headers: auth });
        assert.equal(res.status, 404, path);
        await res.arrayBuffer();
      }
    });
  });

  describe('GET /api/events', () => {
    it('lists every status, newest first, with the documented fields', async () => {
      const res = await get('/api/events');
      assert.equal(res.status, 200);
      const got = res.json.events.map((e: EventSummaryJson) => e.id);
      assert.deepEqual(got, [ids.gh, ids.quarantined, ids.failed, ids.passed]);
      assert.equal(res.json.next, null);
      const q = res.json.events[1];
      assert.equal(q.status, 'quarantined');
      assert.equal(q.source, 'jobserv');
      assert.equal(q.schema, 'iglu:dev.hookd.jobserv/build_complete/jsonschema/1-0-0');
      assert.match(q.receivedAt, /^\d{4}-\d\d-\d\dT/);
      assert.match(q.reason, /does not match schema .* required property/);
      assert.equal(res.json.events[0].reason, null);
      assert.ok(!('body' in q) && !('headers' in q), 'a listing carries no bodies or headers');
    });

    it('filters by source, status, schema (exact or *), body text and time range', async () => {
      const list = async (query: string): Promise<string[]> => (await get(`/api/events?${query}`)).json.events.map((e: EventSummaryJson) => e.id);
      assert.deepEqual(await list('source=gh'), [ids.gh]);
      assert.deepEqual(await list('status=quarantined'), [ids.quarantined]);
      assert.deepEqual(await list('status=accepted&source=jobserv'), [ids.failed, ids.passed]);
      assert.deepEqual(await list(`schema=${encodeURIComponent('iglu:dev.hookd.jobserv/build_complete/jsonschema/1-0-0')}`), [
        ids.quarantined,
        ids.failed,
        ids.passed,
      ]);
      assert.deepEqual(await list(`schema=${encodeURIComponent('iglu:dev.hookd.jobserv/*')}`), [ids.quarantined, ids.failed, ids.passed]);
      assert.deepEqual(await list(`schema=${encodeURIComponent('iglu:dev.hookd.hkube/*')}`), []);
      assert.deepEqual(await list('search=FAILED'), [ids.failed], 'text search in the body');
      assert.deepEqual(await list('q=failed'), [ids.failed], 'ASCII case-insensitive, `q` alias');
      assert.deepEqual(await list('search=%25'), [], 'LIKE wildcards are literal');
      assert.deepEqual(await list('search=opened&source=gh'), [ids.gh]);
      const first = (await r.hookd.store.getEvent(ids.passed))!.receivedAt;
      const last = (await r.hookd.store.getEvent(ids.gh))!.receivedAt;
      assert.deepEqual(await list(`until=${first}`), [], 'until is exclusive');
      assert.deepEqual(await list(`since=${new Date(last).toISOString()}`), [ids.gh], 'since takes ISO time, inclusive');
      assert.equal((await list('since=1h')).length, 4, 'since takes an age');
      assert.deepEqual(await list(`since=${last + 1}`), []);
    });

    it('rejects bad filters with 400 and the field name', async () => {
      for (const [query, field] of [
        ['status=pending', 'status'],
        ['limit=0', 'limit'],
        ['limit=x', 'limit'],
        ['since=yesterday-ish', 'since'],
        ['cursor=bm9wZQ', 'cursor'],
      ]) {
        const res = await get(`/api/events?${query}`);
        assert.equal(res.status, 400, query);
        assert.equal(res.json.field, field, query);
        assert.equal(res.json.code, 'bad_filter');
      }
    });

    it('pages with an opaque cursor: every event once, newest first, limit capped at 500', async () => {
      const extra: string[] = [];
      for (let i = 0; i < 7; i++) extra.push((await sendGh({ action: 'page', n: i })).json.id);
      const seen: string[] = [];
      let next = '';
      let pages = 0;
      do {
        const res = await get(`/api/events?source=gh&limit=3${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
        assert.equal(res.status, 200);
        assert.ok(res.json.events.length <= 3);
        seen.push(...res.json.events.map((e: EventSummaryJson) => e.id));
        next = res.json.next;
        pages++;
      } while (next);
      assert.equal(pages, 3);
      assert.deepEqual(seen, [...extra.reverse(), ids.gh]);
      assert.deepEqual([...seen].sort().reverse(), seen, 'ULIDs: newest first');
      const all = await get('/api/events?limit=100000');
      assert.equal(all.status, 200, 'an over-large limit is capped, not refused');
      assert.equal(all.json.events.length, 11);
      const before = await get(`/api/events?before=${ids.failed}`);
      assert.deepEqual(
        before.json.events.map((e: EventSummaryJson) => e.id),
        [ids.passed],
        'README → Admin API ?before=<id>',
      );
      assert.equal(decodeCursor(encodeCursor(42)), 42);
    });
  });

  describe('GET /api/events/:id and /raw', () => {
    it('shows headers (secrets dropped), body as text and base64, errors and outcomes', async () => {
      const res = await get(`/api/events/${ids.quarantined}`);
      assert.equal(res.status, 200);
      const e = res.json;
      const stored = await r.hookd.store.getEvent(ids.quarantined);
      assert.ok(stored);
      assert.equal(e.body, stored.body.toString('utf8'));
      assert.equal(Buffer.from(e.bodyBase64, 'base64').compare(stored.body), 0);
      assert.deepEqual(e.payload, { build_id: 3, status: 'PASSED' });
      assert.match(e.headers['x-jobserv-sig'], /^sha256:[0-9a-f]{64}$/, 'signature headers are kept');
      assert.ok(Array.isArray(e.errors) && e.errors.some((x: { message: string }) => /runs/.test(x.message)));
      assert.match(e.reason, /verified, but the body does not match/);
      assert.deepEqual(e.outcomes, []);
      assert.ok(!JSON.stringify(e).includes(SECRET), 'the source secret never appears');
      assert.equal((await get('/api/events/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status, 404);
    });

    it('never stores or shows the sender token or cookies', async () => {
      const body = JSON.stringify({ action: 'secret-headers' });
      const res = await post(
        `${r.url}/hooks/gh?token=query-token-not-real`,
        body,
        signedHeaders('github', GH_SECRET, body, { authorization: 'Bearer sender-token-not-real', cookie: 'session=cookie-not-real' }),
      );
      const shown = await get(`/api/events/${res.json.id}`);
      assert.ok(!/sender-token-not-real|cookie-not-real|query-token-not-real/.test(shown.text), shown.text);
    });

    it('body is null when the bytes are not UTF-8; bodyBase64 always has them', () => {
      const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
      const e: StoredEvent = {
        seq: 1,
        id: 'X',
        source: 's',
        receivedAt: 0,
        requestId: 'R',
        item: 0,
        schema: null,
        dedupeKey: 'k',
        status: 'accepted',
        errors: null,
        contentType: null,
        headers: {},
        body: bytes,
        payload: bytes,
      };
      const json = detailJson(e, []);
      assert.equal(json.body, null);
      assert.equal(Buffer.from(json.bodyBase64, 'base64').compare(bytes), 0);
      assert.equal(json.payload, null);
    });

    it('/raw answers the exact bytes with the original Content-Type', async () => {
      const body = '{"action": "raw",  "unicode": "caf\\u00e9 \u2603", "n": 1.50}';
      const type = 'application/vnd.github+json; charset=utf-8';
      const sent = await post(`${r.url}/hooks/gh`, body, signedHeaders('github', GH_SECRET, body, { 'content-type': type }));
      assert.equal(sent.status, 200);
      const res = await fetch(`${admin}/api/events/${sent.json.id}/raw`, { headers: auth });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), type);
      assert.equal(Buffer.from(await res.arrayBuffer()).compare(Buffer.from(body)), 0);
    });
  });

  describe('rejections: counted, the last few hundred kept, never a body', () => {
    it('lists 401/404/413/415 with the reason in plain words, time, client address and size', async () => {
      const marker = 'BODY-MARKER-must-not-be-kept';
      const body = JSON.stringify({ marker });
      await post(`${r.url}/hooks/jobserv`, body, { 'content-type': 'application/json', 'x-jobserv-sig': 'sha256:' + '0'.repeat(64) });
      await post(`${r.url}/hooks/jobserv`, body, { 'content-type': 'application/json' });
      await post(`${r.url}/hooks/nope`, body, { 'content-type': 'application/json' });
      await post(`${r.url}/hooks/jobserv`, body, { 'content-type': 'text/plain' });
      await post(`${r.url}/hooks/jobserv`, body, { 'content-type': 'application/json; charset=utf-16le' });
      await post(`${r.url}/hooks/tiny`, JSON.stringify({ marker, pad: 'x'.repeat(200) }), { 'content-type': 'application/json' });
      const res = await get('/api/rejections');
      assert.equal(res.status, 200);
      assert.ok(!res.text.includes(marker), 'no body is kept');
      const [tooBig, utf16, notJson, unknown, missing, mismatch] = res.json.rejections as RejectionJson[];
      assert.ok(res.json.total >= 6);
      assert.deepEqual([utf16.status, utf16.code], [415, 'unsupported_charset']);
      assert.match(utf16.explanation, /charset other than UTF-8/);
      assert.deepEqual([mismatch.status, mismatch.reason], [401, 'mismatch']);
      assert.match(mismatch.explanation, /x-jobserv-sig did not match/);
      assert.deepEqual([missing.status, missing.reason], [401, 'missing']);
      assert.match(missing.explanation, /No signature header x-jobserv-sig/);
      assert.equal(unknown.status, 404);
      assert.match(unknown.explanation, /no source named 'nope'.*jobserv, gh, tiny/);
      assert.equal(notJson.status, 415);
      assert.equal(tooBig.status, 413);
      assert.match(tooBig.explanation, /64 bytes/);
      assert.equal(mismatch.clientIp.replace('::ffff:', ''), '127.0.0.1');
      assert.equal(mismatch.size, Buffer.byteLength(body));
      assert.match(mismatch.at, /^\d{4}-/);
      assert.deepEqual(Object.keys(mismatch).sort(), ['at', 'clientIp', 'code', 'explanation', 'reason', 'size', 'source', 'status']);
      const onlyTiny = await get('/api/rejections?source=tiny&limit=5');
      assert.deepEqual(
        onlyTiny.json.rejections.map((x: RejectionJson) => x.source),
        ['tiny'],
      );
    });

    it('keeps a bounded ring, newest first', () => {
      const log = new RejectionLog(3);
      for (let i = 0; i < 5; i++) log.add({ at: i, source: 's', status: 401, code: 'unauthorized', reason: 'missing', clientIp: '', size: i });
      assert.deepEqual(
        log.list().map((x) => x.at),
        [4, 3, 2],
      );
      assert.deepEqual(
        log.list({ limit: 1 }).map((x) => x.at),
        [4],
      );
      assert.equal(log.total, 5);
    });
  });

  describe('GET /api/stream (server-sent events)', () => {
    it('pushes new events and rejections live, resumes from Last-Event-ID', async () => {
      const stream = await openStream(admin, ADMIN_TOKEN);
      try {
        const hello = await stream.next('hello');
        assert.ok(hello.data.latestSeq >= 4);
        const sent = await sendGh({ action: 'live' });
        const live = await stream.next('event');
        assert.equal(live.data.id, sent.json.id);
        assert.equal(live.data.source, 'gh');
        assert.equal(Number(live.id), live.data.seq);
        await post(`${r.url}/hooks/gh`, '{}', { 'content-type': 'application/json' });
        const rejection = await stream.next('rejection');
        assert.equal(rejection.data.status, 401);
        assert.equal(rejection.data.source, 'gh');
      } finally {
        stream.close();
      }
      const resumed = await openStream(admin, ADMIN_TOKEN, { 'last-event-id': '0' });
      try {
        await resumed.next('hello');
        assert.equal((await resumed.next('event')).data.id, ids.passed, 'catch-up starts after the given seq');
      } finally {
        resumed.close();
      }
    });

    it('sends each delivery of a ShotGrid batch as its own event', async () => {
      const delivery = (
        JSON.parse(fs.readFileSync(new URL('./fixtures/iglu/shotgrid-delivery.json', import.meta.url), 'utf8')) as { data: Record<string, unknown> }
      ).data;
      const batch = {
        timestamp: '2021-02-22T17:40:27Z',
        data: { deliveries: [1, 2, 3].map((n) => ({ ...delivery, delivery_id: `stream-${n}`, event_log_entry_id: n })) },
      };
      const body = JSON.stringify(batch);
      const stream = await openStream(admin, ADMIN_TOKEN);
      try {
        await stream.next('hello');
        const sent = await post(`${r.url}/hooks/sg`, body, signedHeaders('shotgrid', SG_SECRET, body));
        assert.equal(sent.status, 200);
        const got: EventSummaryJson[] = [];
        for (let i = 0; i < 3; i++) got.push((await stream.next('event')).data);
        assert.deepEqual(
          got.map((e: EventSummaryJson) => e.id),
          sent.json.ids,
        );
        assert.ok(
          got.every((e) => e.source === 'sg' && e.size < body.length),
          'each event is one delivery, not the whole batch',
        );
        const one = await get(`/api/events/${got[1].id}`);
        assert.equal(one.json.payload.data.delivery_id, 'stream-2');
        assert.equal(one.json.body, body, 'body is the signed request as received');
        assert.equal(one.json.item, 1);
      } finally {
        stream.close();
      }
    });
  });

  describe('plugins and replay', () => {
    it('with no plugins loaded: an empty list; unknown plugins and events are 404', async () => {
      assert.deepEqual((await get('/api/plugins')).json, { plugins: [] });
      const res = await fetch(`${admin}/api/plugins/no-such-plugin/enable`, { method: 'POST', headers: auth });
      assert.equal(res.status, 404);
      const replay = await fetch(`${admin}/api/events/01ARZ3NDEKTSV4RRFFQ69G5FAV/replay`, { method: 'POST', headers: auth });
      assert.equal(replay.status, 404);
    });
  });
});

describe('admin API with a plugin', () => {
  let r: Receiver;
  const call = async (method: string, path: string, body?: unknown): Promise<Pick<Posted, 'status' | 'json'>> => {
    const res = await fetch(`${r.hookd.adminUrl}${path}`, {
      method,
      headers: { ...auth, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: await res.json() };
  };
  const outcome = async (id: string): Promise<Outcome | undefined> =>
    (await call('GET', `/api/events/${id}`)).json.outcomes.find((o: Outcome) => o.plugin === 'counter');
  const until = async <T>(test: () => Promise<T>, what: string): Promise<Truthy<T>> => {
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((res) => setTimeout(res, 50))) {
      const v = await test();
      if (v) return v as Truthy<T>;
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  before(async () => {
    const dir = tempDir('hookd-admin-plugin-');
    fs.mkdirSync(path.join(dir, 'plugins'));
    // Counts its calls: a replay shows as a second call on the same event.
    fs.writeFileSync(
      path.join(dir, 'plugins', 'counter.mjs'),
      `let calls = 0;
export default {
  match: { source: 'jobserv' },
  continueOnError: true,
  handle(event) {
    calls++;
    if (event.payload.status === 'FAILED') throw new Error('builds that failed are refused');
    return \`call \${calls}: \${event.id}\`;
  },
};
`,
    );
    r = await startReceiver({ ...config(), plugins: { dir: './plugins', pollMs: 50, backoffMs: 20, attempts: 2 } }, { dir });
  });
  after(() => r.hookd.close());

  it('lists plugins with state, cursor and lag', async () => {
    const { json } = await call('GET', '/api/plugins');
    assert.equal(json.plugins.length, 1);
    const [p] = json.plugins;
    assert.equal(p.name, 'counter');
    assert.equal(p.origin, 'file');
    assert.equal(p.state, 'active');
    assert.equal(typeof p.cursor, 'number');
    assert.equal(typeof p.lag, 'number');
  });

  it('POST /api/events/:id/replay hands a stored event to the plugin again', async () => {
    const body = pythonJsonDumps(jobservBuild(500));
    const id = (await post(`${r.url}/hooks/jobserv`, body, signedHeaders('jobserv', SECRET, body))).json.id;
    const first = await until(async () => (await outcome(id))?.status === 'done' && outcome(id), 'the first delivery');
    assert.match(first.output ?? '', /^call \d+: /);
    const listed = (await call('GET', '/api/events?source=jobserv&limit=1')).json.events[0];
    assert.deepEqual(listed.outcomes, [{ plugin: 'counter', status: 'done' }], 'the listing carries plugin outcomes');
    const replay = await call('POST', `/api/events/${id}/replay`);
    assert.equal(replay.status, 202);
    assert.deepEqual(replay.json, { id, queued: 1 });
    const again = await until(async () => {
      const o = await outcome(id);
      return o !== undefined && o.output !== first.output && o;
    }, 'the replayed delivery');
    assert.equal(again.status, 'done');
    assert.equal(Number(/^call (\d+)/.exec(again.output ?? '')![1]), Number(/^call (\d+)/.exec(first.output ?? '')![1]) + 1);
    assert.equal((await call('POST', `/api/events/${id}/replay`, { plugin: 'nope' })).status, 404, 'an unknown plugin');
    assert.deepEqual((await call('POST', `/api/events/${id}/replay`, { plugin: 'counter' })).json, { id, queued: 1, plugin: 'counter' });
  });

  it('a quarantined event is not replayed: 409 with what to do instead', async () => {
    const body = pythonJsonDumps({ build_id: 501 });
    const q = await post(`${r.url}/hooks/jobserv`, body, signedHeaders('jobserv', SECRET, body));
    assert.equal(q.status, 422);
    const res = await call('POST', `/api/events/${q.json.id}/replay`);
    assert.equal(res.status, 409);
    assert.match(res.json.error, /revalidate/);
  });

  it('POST /api/plugins/:name/disable and /enable change its state', async () => {
    const off = await call('POST', '/api/plugins/counter/disable');
    assert.equal(off.status, 200);
    assert.equal(off.json.plugin.state, 'disabled');
    assert.equal((await call('GET', '/api/plugins')).json.plugins[0].state, 'disabled');
    const on = await call('POST', '/api/plugins/counter/enable');
    assert.equal(on.json.plugin.state, 'active');
    assert.equal((await call('POST', '/api/plugins/counter/restart')).status, 404);
  });

  it('filters by plugin outcome', async () => {
    const send = async (n: number, status: string): Promise<string> => {
      const body = pythonJsonDumps(jobservBuild(n, status));
      return (await post(`${r.url}/hooks/jobserv`, body, signedHeaders('jobserv', SECRET, body))).json.id;
    };
    const failed = await send(600, 'FAILED');
    const done = await send(601, 'PASSED');
    await until(async () => (await outcome(failed))?.status === 'failed' && (await outcome(done))?.status === 'done', 'both outcomes');
    const ids = async (query: string): Promise<string[]> => (await call('GET', `/api/events?${query}`)).json.events.map((e: EventSummaryJson) => e.id);
    assert.deepEqual(await ids('outcome=failed'), [failed]);
    assert.deepEqual(await ids('outcome=failed&plugin=counter'), [failed]);
    assert.deepEqual(await ids('outcome=done&plugin=counter&limit=1'), [done]);
    assert.deepEqual(await ids('plugin=nope'), []);
    assert.ok((await ids('plugin=counter')).includes(failed));
    const bad = await call('GET', '/api/events?outcome=exploded');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.field, 'outcome');
    const detail = (await call('GET', `/api/events/${failed}`)).json;
    assert.equal(detail.outcomes[0].error, 'builds that failed are refused');
  });

  it('plugin metrics: lag, state and outcomes', async () => {
    const res = await fetch(`${r.hookd.adminUrl}/metrics`, { headers: auth });
    const m = parsePrometheus(await res.text());
    assert.equal(m.families.get('hookd_plugin_lag_events')?.type, 'gauge');
    assert.equal(sample(m, 'hookd_plugin_state', { plugin: 'counter', state: 'active' }), 1);
    assert.equal(sample(m, 'hookd_plugin_state', { plugin: 'counter', state: 'disabled' }), 0);
    assert.ok(sample(m, 'hookd_plugin_outcomes_total', { plugin: 'counter', status: 'done' }) >= 3);
    assert.ok(sample(m, 'hookd_plugin_handle_duration_seconds_count', { plugin: 'counter' }) >= 3);
    assert.ok(m.samples.some((s) => s.name === 'hookd_plugin_lag_events' && s.labels.plugin === 'counter'));
  });
});

describe('admin listener lifecycle', () => {
  it('shutdown does not wait for open event streams', async () => {
    const r = await startReceiver(config());
    const stream = await openStream(r.hookd.adminUrl, ADMIN_TOKEN);
    await stream.next('hello');
    const started = Date.now();
    await r.hookd.close();
    assert.ok(Date.now() - started < 3000, `close took ${Date.now() - started} ms`);
    stream.close();
  });

  it('admin.metricsPublic opens /metrics only, nothing else', async () => {
    const cfg = config();
    const r = await startReceiver({ ...cfg, admin: { ...(cfg.admin as Record<string, unknown>), metricsPublic: true } });
    try {
      const res = await fetch(`${r.hookd.adminUrl}/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /hookd_requests_total/);
      assert.equal((await fetch(`${r.hookd.adminUrl}/api/events`)).status, 401);
    } finally {
      await r.hookd.close();
    }
  });
});
