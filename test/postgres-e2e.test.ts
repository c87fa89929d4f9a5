// Issue 12, point 5: a receiver on PostgreSQL, used the way a user does — webhooks in, a plugin,
// the admin API, replay, metrics, and the CLI (events, plugins, migrate, doctor, prune) against the
// same database from another process. The behaviours themselves are the contract suite's; this is
// the wiring.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runHookd } from './helpers/cli.js';
import { dropSchema, newSchema, postgresStorage } from './helpers/postgres.js';
import { parsePrometheus, sample } from './helpers/admin.js';
import {
  appenderPlugin,
  caughtUp,
  jobservBuild,
  lines,
  sendBuild,
  send,
  sleep,
  startIn,
  tempDir,
  testConfig,
  waitFor,
  writePlugin,
} from './helpers/plugins.js';
import type { Started } from './helpers/plugins.js';
import type { PluginStatus } from '../dist/dispatch/types.js';

interface Answer {
  status: number;
  // The admin API's JSON; each test reads the fields it asserts.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
}

const ADMIN = 'test-admin-token-not-real';

describe('a receiver on PostgreSQL', () => {
  let schema: string;
  let r: Started;
  let dir: string;
  let out: string;
  const env = (): Record<string, string> => ({ HOOKD_DATABASE_URL: postgresStorage(schema).url, HOOKD_STORAGE_POSTGRES_SCHEMA: schema });
  const api = async (p: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> => {
    const res = await fetch(`${r.hookd.adminUrl}${p}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    return { status: res.status, json: await res.json().catch(() => undefined), text: res.ok ? '' : await res.text().catch(() => '') };
  };

  before(async () => {
    schema = await newSchema();
    dir = tempDir('hookd-pg-e2e-');
    out = path.join(dir, 'out.txt');
    writePlugin(dir, 'notify.mjs', appenderPlugin(out, { name: 'notify', match: { source: 'jobserv' } }));
    r = await startIn(dir, testConfig(), { env: env() });
  });
  after(async () => {
    await r?.hookd.close();
    await dropSchema(schema);
  });

  it('stores each webhook in PostgreSQL before its 200 and hands it to the plugin', async () => {
    assert.equal(r.hookd.store.kind, 'postgres');
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push(await sendBuild(r.url, n));
    const again = await send(r.url, 'jobserv', 'jobserv', jobservBuild(1));
    assert.deepEqual([again.status, again.json.status, again.json.id], [200, 'duplicate', ids[0]]);
    await waitFor(() => lines(out).length >= 3, 'the plugin to take all three');
    assert.deepEqual(lines(out), ids, 'in receipt order');
    const plugins = (await api('/api/plugins')).json.plugins as PluginStatus[];
    assert.deepEqual(
      plugins.map((p) => [p.name, p.state, p.leased]),
      [['notify', 'active', true]],
    );
  });

  it('admin API: lists, shows and replays from PostgreSQL', async () => {
    const list = (await api('/api/events?limit=10')).json;
    assert.equal(list.events.length, 3);
    const [newest] = list.events;
    assert.deepEqual(newest.outcomes, [{ plugin: 'notify', status: 'done' }]);
    const detail = (await api(`/api/events/${newest.id}`)).json;
    assert.equal(detail.payload.build_id, 3);
    const replay = await api(`/api/events/${newest.id}/replay`, { method: 'POST', body: '{}' });
    assert.equal(replay.status, 202);
    await waitFor(() => lines(out).length >= 4, 'the replayed event');
    assert.equal(lines(out).at(-1), newest.id);
    const metrics = parsePrometheus(await (await fetch(`${r.hookd.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text());
    assert.ok(sample(metrics, 'hookd_commit_batch_size_count') >= 3, 'group commits are counted');
    assert.equal(sample(metrics, 'hookd_plugin_lag_events', { plugin: 'notify' }), 0);
  });

  it('the CLI reads and changes the same database from another process', async () => {
    const cwd = tempDir('hookd-pg-cli-');
    const listed = await runHookd(['events', 'list', '--json'], cwd, env());
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal(listed.stdout.trim().split('\n').length, 3);
    const first = JSON.parse(listed.stdout.trim().split('\n').at(-1) ?? '') as { id: string };
    const shown = await runHookd(['events', 'show', first.id, '--json'], cwd, env());
    assert.equal((JSON.parse(shown.stdout) as { payload: { build_id: number } }).payload.build_id, 1);

    const migrate = await runHookd(['migrate', '--json'], cwd, env());
    assert.deepEqual((JSON.parse(migrate.stdout) as { applied: unknown[] }).applied, [], 'already migrated by the receiver');
    const doctor = await runHookd(['doctor', '--json'], cwd, env());
    const database = doctor.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { check: string; level: string; message: string })
      .find((f) => f.check === 'database');
    assert.ok(database, 'doctor checks the database');
    assert.equal(database.level, 'ok', database.message);
    assert.match(database.message, /3 event\(s\), migrations current/);
    assert.match(database.message, new RegExp(`schema ${schema}`));

    const disabled = await runHookd(['plugins', 'disable', 'notify'], cwd, env());
    assert.equal(disabled.status, 0, disabled.stderr);
    await waitFor(async () => (await api('/api/plugins')).json.plugins[0].state === 'disabled', 'the receiver to see it');
    const id = await sendBuild(r.url, 4);
    const enabled = await runHookd(['plugins', 'enable', 'notify'], cwd, env());
    assert.equal(enabled.status, 0, enabled.stderr);
    await waitFor(() => lines(out).includes(id), 'the plugin to catch up once enabled');
    // Its progress committed too, so the prune does not race the plugin's last outcome.
    await caughtUp(r.hookd, 'notify', id);

    // Time is the point here: prune --days 0.00001 takes what is older than ~0.86 s, and every event must be.
    await sleep(1000);
    const pruned = await runHookd(['prune', '--days', '0.00001'], cwd, env()); // older than ~0.9 s
    assert.equal(pruned.status, 0, pruned.stderr);
    assert.equal(await r.hookd.store.countEvents(), 0, 'every event was older than a second');
  });
});
