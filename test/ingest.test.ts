// README → What the sender gets back; Guarantees: every answer of POST /hooks/<source>, over real HTTP with a real SQLite file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SECRET, baseConfig, jobservBuild, post, pythonJsonDumps, readVectors, signedHeaders, startReceiver, storedEvent, tempDir } from './helpers/hookd.js';
import { bodyKey } from '../dist/ingest/dedupe.js';
import type { Posted, Receiver } from './helpers/hookd.js';
import type { ValidationIssue } from '../dist/iglu/index.js';

/** A stored event that must be there. */
/** One batch item of a 200 answer. */
interface ItemAnswer {
  id: string;
  status: 'accepted' | 'duplicate' | 'quarantined';
}

const SG_SECRET = 'sg-test-token-not-real';
const TOKEN = 'hkube-test-token-not-real';

describe('ingest answers (README → What the sender gets back)', () => {
  let r: Receiver;
  before(async () => {
    r = await startReceiver(
      baseConfig({
        sources: {
          foundries: { kind: 'jobserv', secret: SECRET },
          shotgrid: { kind: 'shotgrid', secret: SG_SECRET },
          hkube: { kind: 'hkube', token: TOKEN },
          small: { kind: 'jobserv', secret: SECRET, bodyLimit: 64 },
          open: { kind: 'hmac', verify: 'none' },
        },
      }),
    );
  });
  after(() => r.hookd.close());
  const hook = (name: string): string => `${r.url}/hooks/${name}`;

  it('200 accepted only after the event is stored, with its id', async () => {
    const body = pythonJsonDumps(jobservBuild(1));
    const res = await post(hook('foundries'), body, signedHeaders('jobserv', SECRET, body));
    assert.equal(res.status, 200);
    assert.equal(res.json.status, 'accepted');
    assert.match(res.json.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    const stored = await storedEvent(r, res.json.id);
    assert.equal(stored.body.toString(), body, 'raw bytes kept exactly');
    assert.equal(stored.status, 'accepted');
    assert.equal(stored.schema, 'iglu:dev.hookd.jobserv/build_complete/jsonschema/1-0-0');
    assert.equal(stored.headers['x-jobserv-sig'].slice(0, 7), 'sha256:', 'signature header kept for re-verification');
  });

  it('200 duplicate with the first id for the same bytes, storing nothing new', async () => {
    const body = pythonJsonDumps(jobservBuild(2));
    const h = signedHeaders('jobserv', SECRET, body);
    const first = await post(hook('foundries'), body, h);
    const count = await r.hookd.store.countEvents();
    const again = await post(hook('foundries'), body, h);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, { id: first.json.id, status: 'duplicate' });
    assert.equal(await r.hookd.store.countEvents(), count);
  });

  it('accepts JobServ bytes exactly as the sender makes them (every vector in the shared file)', async () => {
    for (const v of readVectors().filter((v) => v.scheme === 'jobserv')) {
      const headers = Object.fromEntries(Object.entries(v.headers).map(([k, x]) => [k.toLowerCase(), x]));
      // The vectors carry their own secrets: a source per secret.
      const name = `vec${Buffer.from(v.secret).toString('hex').slice(0, 8)}`;
      const foundries = r.hookd.sources.get('foundries');
      assert.ok(foundries);
      r.hookd.sources.set(name, { ...foundries, name, credentials: { secrets: [v.secret] } });
      const res = await post(hook(name), v.body, { 'content-type': 'application/json', ...headers });
      assert.ok([200, 422].includes(res.status), `vector answered ${res.status}: ${res.text}`);
      const tampered = v.body.replace('"build_id": 6', '"build_id": 9');
      const bad = await post(hook(name), tampered, { 'content-type': 'application/json', ...headers });
      assert.equal(bad.status, 401);
    }
  });

  it('400 for a body that is not JSON, not UTF-8, or nested absurdly deep', async () => {
    for (const body of [Buffer.from('{"build_id": '), Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), Buffer.from('['.repeat(5000) + ']'.repeat(5000))]) {
      const res = await post(hook('foundries'), body, signedHeaders('jobserv', SECRET, body));
      assert.equal(res.status, 400, res.text);
      assert.ok(res.json.error);
    }
  });

  it('401 with a fixed message for a missing or wrong signature, never the expected value', async () => {
    const body = pythonJsonDumps(jobservBuild(3));
    const missing = await post(hook('foundries'), body, { 'content-type': 'application/json' });
    const wrong = await post(hook('foundries'), body, signedHeaders('jobserv', 'not-the-secret', body));
    const expected = signedHeaders('jobserv', SECRET, body)['x-jobserv-sig'];
    for (const res of [missing, wrong]) {
      assert.equal(res.status, 401);
      assert.deepEqual(res.json, missing.json, 'same fixed message');
      assert.ok(!res.text.includes(expected.slice(7)));
    }
    assert.equal((await r.hookd.store.listEvents({ limit: 500 })).filter((e) => e.body.toString() === body).length, 0, 'unverified bodies are never stored');
  });

  it('404 for an unknown source, before anything else', async () => {
    const res = await post(hook('nope'), 'not json', { 'content-type': 'text/plain' });
    assert.equal(res.status, 404);
  });

  it('413 for a declared or a streamed body over the limit', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(100) });
    const declared = await post(hook('small'), big, signedHeaders('jobserv', SECRET, big));
    assert.equal(declared.status, 413);
    // Chunked: no Content-Length, the limit is found while reading.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = http.request(hook('small'), { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.write(big.slice(0, 50));
      req.end(big.slice(50));
    });
    assert.equal(status, 413);
  });

  it('415 for a content type that is not JSON; JSON-ish types and a missing type are JSON', async () => {
    const body = pythonJsonDumps(jobservBuild(4));
    const h = signedHeaders('jobserv', SECRET, body);
    assert.equal((await post(hook('foundries'), body, { ...h, 'content-type': 'text/plain' })).status, 415);
    assert.equal((await post(hook('foundries'), body, { ...h, 'content-type': 'application/x-www-form-urlencoded' })).status, 415);
    const utf16 = await post(hook('foundries'), body, { ...h, 'content-type': 'application/json; charset=UTF-16' });
    assert.equal(utf16.status, 415, 'a body declared in another charset would be misread as UTF-8');
    assert.equal(utf16.json.code, 'unsupported_charset');
    assert.match(utf16.json.error, /charset utf-16 is not accepted/);
    assert.equal((await post(hook('foundries'), body, { ...h, 'content-type': 'application/json;charset="iso-8859-1"' })).status, 415);
    for (const type of [
      'application/json; charset=utf-8',
      'application/json;charset="UTF-8"',
      'application/json; charset=us-ascii',
      'application/vnd.kafka.json.v1+json',
      'application/cloudevents+json',
    ]) {
      const b = pythonJsonDumps(jobservBuild(Math.floor(Math.random() * 1e9)));
      const res = await post(hook('foundries'), b, { ...signedHeaders('jobserv', SECRET, b), 'content-type': type });
      assert.equal(res.status, 200, `${type}: ${res.text}`);
    }
    const b = pythonJsonDumps(jobservBuild(5));
    const res = await new Promise<number | undefined>((resolve, reject) => {
      const req = http.request(
        hook('foundries'),
        { method: 'POST', headers: { 'x-jobserv-sig': signedHeaders('jobserv', SECRET, b)['x-jobserv-sig'], 'content-length': Buffer.byteLength(b) } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
      req.end(b);
    });
    assert.equal(res, 200, 'no Content-Type is treated as JSON');
  });

  it('precedence: 404 → 413 → 415 → 401 → 400 → 422', async () => {
    const big = 'x'.repeat(100);
    assert.equal((await post(hook('small'), big, { 'content-type': 'text/plain' })).status, 413, '413 before 415');
    assert.equal((await post(hook('foundries'), 'not json', { 'content-type': 'text/plain' })).status, 415, '415 before 401');
    assert.equal((await post(hook('foundries'), 'not json', { 'content-type': 'application/json' })).status, 401, '401 before 400');
    const notJson = 'not json';
    assert.equal((await post(hook('foundries'), notJson, signedHeaders('jobserv', SECRET, notJson))).status, 400, '400 before 422');
  });

  it('422 for a verified body that fails its schema: kept as quarantined, same answer and id on resend', async () => {
    const body = pythonJsonDumps({ build_id: 'sixty-seven', status: 'EXPLODED' });
    const h = signedHeaders('jobserv', SECRET, body);
    const res = await post(hook('foundries'), body, h);
    assert.equal(res.status, 422);
    assert.equal(res.json.status, 'quarantined');
    const errors = res.json.errors as ValidationIssue[];
    assert.ok(errors.length > 0);
    assert.ok(errors.every((e) => typeof e.path === 'string' && typeof e.message === 'string'));
    assert.ok(
      errors.some((e) => e.path === '/status'),
      JSON.stringify(errors),
    );
    const stored = await storedEvent(r, res.json.id);
    assert.equal(stored.status, 'quarantined');
    assert.deepEqual(stored.errors, res.json.errors);
    const again = await post(hook('foundries'), body, h);
    assert.equal(again.status, 422);
    assert.deepEqual(again.json, res.json);
  });

  it('405 for other methods on a hook, listed among the rejections', async () => {
    const res = await fetch(hook('foundries'));
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    assert.ok(r.hookd.rejections.list().some((x) => x.status === 405 && x.source === 'foundries'));
  });

  it('tokens: header, Bearer or ?token=; none of them is stored', async () => {
    const progress = (n: number): string =>
      JSON.stringify({
        jobId: `batch:${n}`,
        timestamp: '2018-01-16T14:47:04.142Z',
        pipeline: 'batch',
        level: 'info',
        status: 'active',
        data: { progress: '10.00', details: `${n}` },
      });
    const carriers: [Record<string, string>, string][] = [
      [{ 'x-hookd-token': TOKEN }, ''],
      [{ authorization: `Bearer ${TOKEN}` }, ''],
      [{}, `?token=${TOKEN}`],
    ];
    for (const [i, [headers, query]] of carriers.entries()) {
      const res = await post(hook('hkube') + query, progress(i), { 'content-type': 'application/json', cookie: 'sid=not-a-real-cookie', ...headers });
      assert.equal(res.status, 200, res.text);
      const stored = await storedEvent(r, res.json.id);
      assert.equal(stored.headers.authorization, undefined);
      assert.equal(stored.headers['x-hookd-token'], undefined);
      assert.equal(stored.headers.cookie, undefined);
      assert.ok(!JSON.stringify(stored.headers).includes(TOKEN));
    }
    assert.equal((await post(hook('hkube'), progress(9), { 'content-type': 'application/json', 'x-hookd-token': 'wrong' })).status, 401);
    assert.ok(!r.logs.join('').includes(TOKEN), 'the token never reaches a log line');
  });

  it('ShotGrid batches: one event per delivery, deduplicated on delivery_id', async () => {
    const delivery = (id: number) => ({
      id: `del-${id}`,
      delivery_id: `d-${id}`,
      event_log_entry_id: id,
      event_type: 'Shotgun_Shot_Change',
      operation: 'update',
      entity: { type: 'Shot', id: 1000 + id },
      project: { type: 'Project', id: 70 },
      meta: { type: 'attribute_change', attribute_name: 'sg_status_list', new_value: 'ip', old_value: 'wtg' },
      created_at: '2022-02-01T20:53:08Z',
    });
    const batch = JSON.stringify({ timestamp: '2022-02-01T20:53:09Z', data: { deliveries: [delivery(1), delivery(2), delivery(3)] } });
    const res = await post(hook('shotgrid'), batch, signedHeaders('shotgrid', SG_SECRET, batch));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.status, 'accepted');
    assert.equal(res.json.ids.length, 3);
    assert.deepEqual(
      (res.json.items as ItemAnswer[]).map((i) => i.status),
      ['accepted', 'accepted', 'accepted'],
    );
    const ev = await storedEvent(r, res.json.ids[1]);
    assert.deepEqual(JSON.parse(ev.payload.toString()), { data: delivery(2), timestamp: '2022-02-01T20:53:09Z' });
    assert.equal(ev.body.toString(), batch, 'the signed bytes are kept once and linked from each event');
    assert.equal((await storedEvent(r, res.json.ids[0])).requestId, ev.requestId);
    // A second batch overlapping on delivery 3.
    const batch2 = JSON.stringify({ timestamp: '2022-02-01T20:54:00Z', data: { deliveries: [delivery(3), delivery(4)] } });
    const res2 = await post(hook('shotgrid'), batch2, signedHeaders('shotgrid', SG_SECRET, batch2));
    assert.deepEqual(
      (res2.json.items as ItemAnswer[]).map((i) => i.status),
      ['duplicate', 'accepted'],
    );
    assert.equal(res2.json.items[0].id, res.json.ids[2]);
  });

  it('verify: none must be explicit, and then anything JSON is accepted', async () => {
    const res = await post(hook('open'), '{"hello": "world"}', { 'content-type': 'application/json' });
    assert.equal(res.status, 200);
    assert.ok(
      r.logs.some((l) => l.includes("source 'open' has verify: none")),
      'startup warns about it',
    );
  });
});

describe('body dedupe keys: the first 128 bits of the SHA-256', () => {
  it('is sha256: and the first 32 hex digits of the digest', () => {
    const body = Buffer.from(pythonJsonDumps(jobservBuild(5)));
    assert.equal(bodyKey(body), 'sha256:' + createHash('sha256').update(body).digest('hex').slice(0, 32));
  });

  it('a webhook stored with a whole-digest key before the upgrade is still a duplicate after it (migration 003)', async () => {
    const dir = tempDir();
    const body = pythonJsonDumps(jobservBuild(6));
    const h = signedHeaders('jobserv', SECRET, body);
    let r = await startReceiver(baseConfig(), { dir });
    const first = await post(`${r.url}/hooks/foundries`, body, h);
    await r.hookd.close();
    // As a receiver from before migration 003 stored it.
    const db = new Database(path.join(dir, 'data', 'hookd.db'));
    db.prepare('UPDATE events SET dedupe_key = ? WHERE id = ?').run('sha256:' + createHash('sha256').update(body).digest('hex'), first.json.id);
    db.prepare('DELETE FROM schema_migrations WHERE version = 3').run();
    db.close();

    r = await startReceiver(baseConfig(), { dir });
    try {
      assert.equal((await storedEvent(r, first.json.id)).dedupeKey, bodyKey(Buffer.from(body)));
      const again = await post(`${r.url}/hooks/foundries`, body, h);
      assert.deepEqual([again.status, again.json], [200, { id: first.json.id, status: 'duplicate' }]);
    } finally {
      await r.hookd.close();
    }
  });
});

describe('429 rate limit', () => {
  it('answers 429 with Retry-After past the per-address limit', async () => {
    const r = await startReceiver(baseConfig({ server: { rateLimit: { windowMs: 60000, limit: 2 } } }));
    try {
      const codes: number[] = [];
      let last: Posted | undefined;
      for (let i = 0; i < 3; i++) {
        const body = pythonJsonDumps(jobservBuild(100 + i));
        last = await post(`${r.url}/hooks/foundries`, body, signedHeaders('jobserv', SECRET, body));
        codes.push(last.status);
      }
      assert.deepEqual(codes, [200, 200, 429]);
      assert.ok(last);
      assert.ok(Number(last.headers.get('retry-after')) > 0);
      const listed = r.hookd.rejections.list().map((x) => x.status);
      assert.ok(listed.includes(429), 'a 429 is listed among the rejections');
      const metrics = await r.hookd.metrics.registry.metrics();
      assert.match(metrics, /hookd_requests_total\{source="foundries",status="429"\} 1/);
    } finally {
      await r.hookd.close();
    }
  });
});

describe('503 when the store cannot commit before the ack deadline', () => {
  it('answers 503 with Retry-After inside the deadline while another process holds the lock, then recovers', async () => {
    const r = await startReceiver(baseConfig({ server: { ackDeadlineMs: 400 } }));
    const locker = new Database(path.join(r.dir, 'data', 'hookd.db'));
    try {
      locker.exec('BEGIN EXCLUSIVE');
      const body = pythonJsonDumps(jobservBuild(500));
      const started = Date.now();
      const res = await post(`${r.url}/hooks/foundries`, body, signedHeaders('jobserv', SECRET, body));
      const took = Date.now() - started;
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      assert.ok(took < 400 + 1000, `answered in ${took} ms`);
      locker.exec('COMMIT');
      // After the lock goes: normal service. The resend may find the first attempt stored (duplicate) or not.
      const again = await post(`${r.url}/hooks/foundries`, body, signedHeaders('jobserv', SECRET, body));
      assert.equal(again.status, 200);
      assert.ok(['accepted', 'duplicate'].includes(again.json.status));
      assert.ok(await r.hookd.store.getEvent(again.json.id), 'a 200 always names a stored event');
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
      await r.hookd.close();
    }
  });
});
