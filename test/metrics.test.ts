// README → Admin API and issue 5 §4: GET /metrics in Prometheus text format, and the numbers move with traffic.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { SECRET, jobservBuild, post, pythonJsonDumps, signedHeaders, startReceiver } from './helpers/hookd.js';
import { parsePrometheus, sample } from './helpers/admin.js';
import type { Parsed } from './helpers/admin.js';
import type { ConfigInput, Posted, Receiver } from './helpers/hookd.js';

const ADMIN_TOKEN = 'test-admin-token-not-real';

function config(): ConfigInput {
  return {
    server: { port: 0, host: '127.0.0.1', rateLimit: false },
    admin: { port: 0, token: ADMIN_TOKEN },
    log: { level: 'warn' },
    sources: { jobserv: { kind: 'jobserv', secret: SECRET } },
  };
}

async function scrape(r: Receiver): Promise<Parsed> {
  const res = await fetch(`${r.hookd.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

const send = (r: Receiver, value: unknown, headers?: Record<string, string>): Promise<Posted> => {
  const body = pythonJsonDumps(value);
  return post(`${r.url}/hooks/jobserv`, body, headers ?? signedHeaders('jobserv', SECRET, body));
};

describe('GET /metrics', () => {
  let r: Receiver;
  before(async () => {
    r = await startReceiver(config());
  });
  after(() => r.hookd.close());

  it('is Prometheus text with every documented family and its type', async () => {
    const m = await scrape(r);
    const expected: Record<string, string> = {
      hookd_requests_total: 'counter',
      hookd_ack_duration_seconds: 'histogram',
      hookd_events_stored_total: 'counter',
      hookd_rejections_total: 'counter',
      hookd_verification_failures_total: 'counter',
      hookd_commit_batch_size: 'histogram',
      hookd_commit_duration_seconds: 'histogram',
      hookd_db_size_bytes: 'gauge',
      process_cpu_user_seconds_total: 'counter',
    };
    for (const [name, type] of Object.entries(expected)) {
      assert.equal(m.families.get(name)?.type, type, name);
      assert.ok(m.families.get(name)?.help, `${name} has HELP`);
    }
    assert.ok(sample(m, 'hookd_db_size_bytes') > 0, 'the database file exists from the start');
  });

  it('moves when webhooks arrive: requests, stored events, ack latency, commits, rejections', async () => {
    const before = await scrape(r);
    for (let i = 0; i < 3; i++) assert.equal((await send(r, jobservBuild(100 + i))).status, 200);
    assert.equal((await send(r, { build_id: 1 })).status, 422);
    assert.equal((await send(r, jobservBuild(200), { 'content-type': 'application/json', 'x-jobserv-sig': 'sha256:' + 'ab'.repeat(32) })).status, 401);
    assert.equal((await send(r, jobservBuild(201), { 'content-type': 'application/json' })).status, 401);
    assert.equal((await send(r, jobservBuild(202), { 'content-type': 'text/plain' })).status, 415);
    const m = await scrape(r);
    const delta = (name: string, labels?: Record<string, string>): number => sample(m, name, labels) - sample(before, name, labels);

    assert.equal(delta('hookd_requests_total', { source: 'jobserv', status: '200' }), 3);
    assert.equal(delta('hookd_requests_total', { source: 'jobserv', status: '422' }), 1);
    assert.equal(delta('hookd_requests_total', { source: 'jobserv', status: '401' }), 2);
    assert.equal(delta('hookd_requests_total', { source: 'jobserv', status: '415' }), 1);
    assert.equal(delta('hookd_events_stored_total', { source: 'jobserv', status: 'accepted' }), 3);
    assert.equal(delta('hookd_events_stored_total', { source: 'jobserv', status: 'quarantined' }), 1);
    assert.equal(delta('hookd_verification_failures_total', { source: 'jobserv', reason: 'mismatch' }), 1);
    assert.equal(delta('hookd_verification_failures_total', { source: 'jobserv', reason: 'missing' }), 1);
    assert.equal(delta('hookd_rejections_total', { source: 'jobserv', status: '415', code: 'unsupported_media_type' }), 1);

    // The ack histogram counts stored answers (200 and 422) in buckets fine enough for milliseconds.
    assert.equal(delta('hookd_ack_duration_seconds_count', { source: 'jobserv' }), 4);
    const buckets = m.samples.filter((s) => s.name === 'hookd_ack_duration_seconds_bucket' && s.labels.source === 'jobserv');
    assert.deepEqual(
      buckets.map((b) => b.labels.le),
      ['0.0005', '0.001', '0.002', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '+Inf'],
    );
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, 'buckets are cumulative');
    assert.equal(buckets.at(-1)?.value, sample(m, 'hookd_ack_duration_seconds_count', { source: 'jobserv' }));
    assert.ok(sample(m, 'hookd_ack_duration_seconds_sum', { source: 'jobserv' }) > 0);

    assert.ok(delta('hookd_commit_batch_size_count') >= 1, 'at least one group commit');
    assert.ok(delta('hookd_commit_batch_size_sum') >= 4, 'every stored request went through a commit');
    const dbFile = r.hookd.config.storage.sqlite.path;
    const onDisk = fs.statSync(dbFile).size + (fs.existsSync(`${dbFile}-wal`) ? fs.statSync(`${dbFile}-wal`).size : 0);
    assert.ok(Math.abs(sample(m, 'hookd_db_size_bytes') - onDisk) <= 64 * 1024, 'db + wal size');
  });

  it('an unknown source is labelled _unknown: random paths cannot grow the label set', async () => {
    await post(`${r.url}/hooks/made-up-${Date.now()}`, '{}', { 'content-type': 'application/json' });
    const res = await fetch(`${r.hookd.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = await res.text();
    assert.ok(!text.includes('made-up-'), 'the path never becomes a label');
    assert.ok(sample(parsePrometheus(text), 'hookd_requests_total', { source: '_unknown', status: '404' }) >= 1);
  });
});

describe('one registry per hookd instance', () => {
  it('two receivers in one process count separately', async () => {
    const a = await startReceiver(config());
    const b = await startReceiver(config());
    try {
      assert.equal((await send(a, jobservBuild(1))).status, 200);
      assert.equal(sample(await scrape(a), 'hookd_requests_total', { source: 'jobserv', status: '200' }), 1);
      assert.equal(sample(await scrape(b), 'hookd_requests_total', { source: 'jobserv', status: '200' }), 0);
    } finally {
      await Promise.all([a.hookd.close(), b.hookd.close()]);
    }
  });
});
