// README → What the sender gets back; Schemas: a 200 means committed. Restarts and SIGKILL keep every acknowledged event.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import YAML from 'yaml';
import { SECRET, baseConfig, jobservBuild, post, pythonJsonDumps, repoRoot, signedHeaders, startReceiver, tempDir } from './helpers/hookd.js';
import { waitFor } from './helpers/plugins.js';
import type { ChildProcess } from 'node:child_process';
import type { ConfigInput } from './helpers/hookd.js';

const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');

/** Starts `hookd serve` as a child process and resolves with its ingest URL once it listens. */
function spawnServe(dir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'serve'], {
    cwd: dir,
    env: { ...process.env, HOOKD_DATA_DIR: path.join(dir, 'data'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"ingest":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}${err}`)));
  });
}

function exited(child: ChildProcess): Promise<number | NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}

function writeConfig(dir: string, config: ConfigInput): void {
  fs.writeFileSync(path.join(dir, 'hookd.yaml'), YAML.stringify({ ...config, log: { level: 'info', pretty: false } }));
}

describe('restart keeps every event', () => {
  it('events stored before a graceful close are there after the next start, bytes intact', async () => {
    const dir = tempDir();
    const first = await startReceiver(baseConfig(), { dir });
    const sent: { id: string; body: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const body = pythonJsonDumps(jobservBuild(1000 + i));
      const res = await post(`${first.url}/hooks/foundries`, body, signedHeaders('jobserv', SECRET, body));
      assert.equal(res.status, 200);
      sent.push({ id: res.json.id, body });
    }
    await first.hookd.close();
    const second = await startReceiver(baseConfig(), { dir });
    try {
      for (const { id, body } of sent) assert.equal((await second.hookd.store.getEvent(id))?.body.toString(), body);
      const ids = (await second.hookd.store.listEvents({ order: 'oldest', limit: 100 })).map((e) => e.id);
      assert.deepEqual(ids, [...ids].sort(), 'ids sort in receipt order');
    } finally {
      await second.hookd.close();
    }
  });

  it('migrations are applied once, in order, and recorded', async () => {
    const r = await startReceiver();
    await r.hookd.close();
    const db = new Database(path.join(r.dir, 'data', 'hookd.db'), { readonly: true });
    const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    const files = fs
      .readdirSync(path.join(repoRoot, 'migrations'))
      .filter((f) => /^\d+_.*\.sql$/.test(f))
      .map((f) => Number(f.split('_')[0]))
      .sort((a, b) => a - b);
    assert.deepEqual(rows, files);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    const again = await startReceiver(baseConfig(), { dir: r.dir });
    const report = await again.hookd.store.report();
    assert.deepEqual(report.appliedNow, [], 'nothing re-applied on the next start');
    assert.deepEqual([report.applied, report.pending], [files, []], 'the store reports what it has applied');
    await again.hookd.close();
  });
});

describe('group commit', () => {
  it('requests that arrive together share transactions (fewer commits than acks), each ack after its commit', async () => {
    const r = await startReceiver();
    try {
      const batches: number[] = [];
      r.hookd.store.on('batch', (b) => batches.push(b.size));
      const bodies = Array.from({ length: 64 }, (_, i) => pythonJsonDumps(jobservBuild(2000 + i)));
      const answers = await Promise.all(bodies.map((b) => post(`${r.url}/hooks/foundries`, b, signedHeaders('jobserv', SECRET, b))));
      assert.ok(answers.every((a) => a.status === 200));
      for (const a of answers) assert.ok(await r.hookd.store.getEvent(a.json.id), 'each 200 names a committed event');
      const committed = batches.reduce((a, b) => a + b, 0);
      assert.equal(committed, 64);
      assert.ok(batches.length < 64, `64 appends in ${batches.length} transactions`);
    } finally {
      await r.hookd.close();
    }
  });

  it("a plugin's progress rides in the next event's transaction instead of paying a commit of its own", async () => {
    const r = await startReceiver();
    try {
      const { store } = r.hookd;
      await store.registerPlugin({ name: 'progress-test', origin: 'exec', file: null, cursor: 0 });
      const batches: number[] = [];
      store.on('batch', (b) => batches.push(b.size));
      // As under load: the dispatcher records progress, and an event arrives a moment later (another turn).
      for (let i = 0; i < 50; i++) {
        const progress = store.recordDispatch({ plugin: 'progress-test', outcomes: [], cursor: i });
        await new Promise<void>((resolve) => setImmediate(resolve));
        const body = pythonJsonDumps(jobservBuild(3000 + i));
        const stored = await store.append(
          {
            source: 'foundries',
            receivedAt: Date.now(),
            contentType: 'application/json',
            headers: {},
            body: Buffer.from(body),
            events: [{ dedupeKey: `sha256:progress-${i}`, schema: null, status: 'accepted', errors: null }],
          },
          { deadline: Date.now() + 5000 },
        );
        await progress;
        assert.equal(stored.events[0].duplicate, false);
      }
      // Each on its own would be 100 transactions; a few may still go alone on a busy machine.
      assert.equal(
        batches.reduce((a, b) => a + b, 0),
        100,
      );
      assert.ok(batches.length <= 70, `50 progress records and 50 events in ${batches.length} transactions`);
      // Progress alone is still committed, a moment later.
      const started = Date.now();
      await store.recordDispatch({ plugin: 'progress-test', outcomes: [], cursor: 99 });
      assert.ok(Date.now() - started < 2000);
      assert.equal((await store.pluginCursors()).find((p) => p.plugin === 'progress-test')?.cursor, 99);
    } finally {
      await r.hookd.close();
    }
  });
});

describe('SIGKILL while 8 clients post', () => {
  it('keeps every event that got a 200', async () => {
    const dir = tempDir();
    writeConfig(dir, baseConfig());
    const { child, url } = await spawnServe(dir, { PORT: '0', HOOKD_ADMIN_PORT: '0' });
    const acked: { id: string; body: string }[] = [];
    let stop = false;
    let n = 0;
    const client = async () => {
      while (!stop) {
        const body = pythonJsonDumps(jobservBuild(10_000 + n++));
        try {
          const res = await post(`${url}/hooks/foundries`, body, signedHeaders('jobserv', SECRET, body));
          if (res.status === 200) acked.push({ id: res.json.id, body });
        } catch {
          return; // the server is gone
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    // The kill lands while all 8 are posting, once there is plenty to lose (about 1.5 s of traffic unloaded).
    await waitFor(() => acked.length >= 500, '500 acks before the kill', { timeout: 30_000 });
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(clients);
    await exited(child);

    const db = new Database(path.join(dir, 'data', 'hookd.db'), { readonly: true });
    const get = db.prepare('SELECT r.body FROM events e JOIN requests r ON r.id = e.request_id WHERE e.id = ?').pluck();
    const missing = acked.filter((a) => (get.get(a.id) as Buffer | undefined)?.toString() !== a.body);
    db.close();
    assert.equal(missing.length, 0, `${missing.length} of ${acked.length} acknowledged events lost`);
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM: stops accepting, finishes in-flight commits, closes the database, exits 0', async () => {
    const dir = tempDir();
    writeConfig(dir, baseConfig());
    const { child, url } = await spawnServe(dir, { PORT: '0', HOOKD_ADMIN_PORT: '0' });
    const bodies = Array.from({ length: 30 }, (_, i) => pythonJsonDumps(jobservBuild(30_000 + i)));
    const inflight = bodies.map((b) => post(`${url}/hooks/foundries`, b, signedHeaders('jobserv', SECRET, b)).catch(() => null));
    // The SIGTERM is meant to land while those requests are in flight: a few ms in is the point.
    await new Promise((resolve) => setTimeout(resolve, 5));
    child.kill('SIGTERM');
    assert.equal(await exited(child), 0);
    const answers = (await Promise.all(inflight)).filter((a) => a !== null);
    assert.ok(!fs.existsSync(path.join(dir, 'data', 'hookd.db-wal')), 'closed cleanly: WAL checkpointed and removed');
    const db = new Database(path.join(dir, 'data', 'hookd.db'), { readonly: true });
    for (const a of answers.filter((x) => x.status === 200)) {
      assert.ok(db.prepare('SELECT 1 FROM events WHERE id = ?').get(a.json.id), 'every 200 is stored');
    }
    db.close();
  });
});
