// README → CLI, Configuration and issue 5 §3: `hookd events list|show|tail` read the SQLite file directly, with or
// without a receiver running; --json prints one object per line.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as events from '../dist/cli/commands/events.js';
import { SECRET, jobservBuild, post, pythonJsonDumps, repoRoot, signedHeaders, startReceiver, tempDir } from './helpers/hookd.js';
import type { EventDetailJson, EventSummaryJson } from '../dist/admin/event-json.js';
import type { CliIO } from '../dist/cli/command.js';
import type { ConfigInput, Posted, Receiver } from './helpers/hookd.js';

const ADMIN_TOKEN = 'test-admin-token-not-real';
const CLI = path.join(repoRoot, 'dist', 'cli', 'main.js');

function config(): ConfigInput {
  return {
    server: { port: 0, host: '127.0.0.1', rateLimit: false },
    admin: { port: 0, token: ADMIN_TOKEN },
    log: { level: 'warn' },
    sources: { jobserv: { kind: 'jobserv', secret: SECRET }, other: { kind: 'jobserv', secret: SECRET } },
  };
}

/** Runs `hookd …` in `dir` as a user would; answers {code, stdout (Buffer), out (text), err}. */
function hookd(dir: string, args: string[]): Promise<{ code: number | null; stdout: Buffer; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, HOOKD_DATA_DIR: path.join(dir, 'data') } });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, out: stdout.toString(), err });
    });
  });
}

/** The same command in-process (no node start-up): for the many small filter checks. */
async function hookdInProcess(dir: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...process.env, HOOKD_DATA_DIR: path.join(dir, 'data') }, cwd: dir };
  const code = await events.run(args.slice(1), io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A long-running `hookd events tail …`: lines as they come, then SIGINT. */
function follow(dir: string, args: string[]) {
  const child = spawn(process.execPath, [CLI, 'events', 'tail', ...args], { cwd: dir, env: { ...process.env, HOOKD_DATA_DIR: path.join(dir, 'data') } });
  const lines: string[] = [];
  let partial = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters) w();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    lines,
    async waitFor(test: (line: string) => boolean, timeoutMs = 10000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find(test);
        if (hit !== undefined) return hit;
        if (Date.now() > deadline) throw new Error(`tail printed no such line in ${timeoutMs} ms; got ${JSON.stringify(lines)}; stderr ${err}`);
        await new Promise<void>((resolve) => {
          const w = () => (waiters.delete(w), resolve());
          waiters.add(w);
          setTimeout(w, 100);
        });
      }
    },
    async stop() {
      child.kill('SIGINT');
      return exited;
    },
  };
}

describe('hookd events list|show|tail', () => {
  let r: Receiver;
  let dir: string;
  const ids: Record<string, string> = {};
  const send = async (source: string, value: unknown): Promise<Posted> => {
    const body = pythonJsonDumps(value);
    return post(`${r.url}/hooks/${source}`, body, signedHeaders('jobserv', SECRET, body));
  };

  before(async () => {
    dir = tempDir('hookd-cli-events-');
    r = await startReceiver(config(), { dir });
    ids.passed = (await send('jobserv', jobservBuild(1, 'PASSED'))).json.id;
    ids.failed = (await send('jobserv', jobservBuild(2, 'FAILED'))).json.id;
    ids.other = (await send('other', jobservBuild(3, 'PASSED'))).json.id;
    ids.quarantined = (await send('jobserv', { build_id: 4, status: 'PASSED' })).json.id;
  });
  after(() => r.hookd.close());

  it('list: a readable table, newest first', async () => {
    const res = await hookd(dir, ['events', 'list']);
    assert.equal(res.code, 0, res.err);
    const lines = res.out.trimEnd().split('\n');
    assert.match(lines[0], /^ID\s+RECEIVED\s+SOURCE\s+STATUS\s+SIZE\s+SCHEMA\s+PLUGINS$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s+/)[0]),
      [ids.quarantined, ids.other, ids.failed, ids.passed],
    );
    assert.match(lines[1], /\bquarantined\b.*dev\.hookd\.jobserv\/build_complete\/jsonschema\/1-0-0/);
    assert.match(lines[1], /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
  });

  it('list --json: one object per line, the admin API shape; filters apply', async () => {
    const all = await hookd(dir, ['events', 'list', '--json']);
    const events = all.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as EventSummaryJson);
    assert.deepEqual(
      events.map((e) => e.id),
      [ids.quarantined, ids.other, ids.failed, ids.passed],
    );
    assert.deepEqual(Object.keys(events[0]).sort(), ['contentType', 'id', 'outcomes', 'reason', 'receivedAt', 'schema', 'seq', 'size', 'source', 'status']);
    const ids_ = async (...args: string[]): Promise<string[]> =>
      (await hookdInProcess(dir, ['events', 'list', '--json', ...args])).out
        .trimEnd()
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as EventSummaryJson).id);
    assert.deepEqual(await ids_('--source', 'other'), [ids.other]);
    assert.deepEqual(await ids_('--status', 'quarantined'), [ids.quarantined]);
    assert.deepEqual(await ids_('--search', 'failed'), [ids.failed]);
    assert.deepEqual(await ids_('--schema', 'iglu:dev.hookd.jobserv/*', '--limit', '2'), [ids.quarantined, ids.other]);
    assert.deepEqual(await ids_('--since', '1h', '-n', '1'), [ids.quarantined]);
    assert.deepEqual(await ids_('--until', '2000-01-01'), []);
    assert.deepEqual(await ids_('--outcome', 'done'), [], 'no plugins here: no outcomes');
    await assert.rejects(hookdInProcess(dir, ['events', 'list', '--outcome', 'exploded']), /--outcome: 'exploded' is not a plugin outcome/);
  });

  it('tail -n 0: nothing up front', async () => {
    const tail = follow(dir, ['-n', '0']);
    try {
      await tail.waitFor((l) => l.startsWith('ID'));
      // What tail prints up front comes before anything that arrives later: once a fresh event's
      // line is out, the header and that line must be all there is.
      const fresh = (await send('jobserv', jobservBuild(5))).json.id as string;
      const line = await tail.waitFor((l) => l.startsWith(fresh));
      assert.deepEqual(tail.lines.filter(Boolean).slice(1), [line], 'only the header, then what arrived');
    } finally {
      assert.equal((await tail.stop()).code, 0);
    }
  });

  it('list: a bad filter is a usage error (exit 2) naming the option', async () => {
    const res = await hookd(dir, ['events', 'list', '--status', 'pending']);
    assert.equal(res.code, 2);
    assert.match(res.err, /--status/);
  });

  it('show: why it was quarantined, headers, pretty body, plugins', async () => {
    const res = await hookd(dir, ['events', 'show', ids.quarantined]);
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, new RegExp(`^event ${ids.quarantined}  jobserv  QUARANTINED`));
    assert.match(res.out, /why quarantined:\n  The sender was verified, but the body does not match schema/);
    assert.match(res.out, /  - \(document\): must have required property/);
    assert.match(res.out, /headers:\n(  .*\n)*  x-jobserv-sig: sha256:[0-9a-f]{64}\n/);
    assert.match(res.out, /body:\n  \{\n    "build_id": 4,/);
    assert.match(res.out, /plugins:\n  \(quarantined events are not handed to plugins\)/);
  });

  it('show --json: the admin API detail shape; --raw: the exact bytes', async () => {
    const json = JSON.parse((await hookd(dir, ['events', 'show', ids.failed, '--json'])).out) as EventDetailJson;
    const stored = await r.hookd.store.getEvent(ids.failed);
    assert.ok(stored);
    assert.equal(json.id, ids.failed);
    assert.equal(json.body, stored.body.toString());
    assert.equal(Buffer.from(json.bodyBase64, 'base64').compare(stored.body), 0);
    assert.equal((json.payload as { status: string }).status, 'FAILED');
    const raw = await hookd(dir, ['events', 'show', ids.failed, '--raw']);
    assert.equal(raw.code, 0);
    assert.equal(raw.stdout.compare(stored.body), 0, 'byte for byte');
  });

  it('show: an unknown id exits 1; no id is a usage error', async () => {
    const res = await hookd(dir, ['events', 'show', '01ARZ3NDEKTSV4RRFFQ69G5FAV']);
    assert.equal(res.code, 1);
    assert.match(res.err, /no event with id/);
    assert.equal((await hookd(dir, ['events', 'show'])).code, 2);
  });

  it('tail: prints the last events, then each new one live, until SIGINT', async () => {
    const tail = follow(dir, ['-n', '2']);
    try {
      await tail.waitFor((l) => l.startsWith('ID'));
      await tail.waitFor((l) => l.startsWith(ids.quarantined));
      assert.ok(!tail.lines.some((l) => l.startsWith(ids.passed)), 'only the last 2');
      const fresh = (await send('jobserv', jobservBuild(10))).json.id;
      const line = await tail.waitFor((l) => l.startsWith(fresh));
      assert.match(line, /jobserv\s+accepted/);
      const later = (await send('other', jobservBuild(11))).json.id;
      await tail.waitFor((l) => l.startsWith(later));
    } finally {
      const { code } = await tail.stop();
      assert.equal(code, 0, 'SIGINT ends tail cleanly');
    }
  });

  it('tail --json with filters: only matching events, one object per line', async () => {
    const tail = follow(dir, ['--json', '-n', '1', '--source', 'other', '--interval', '100']);
    try {
      const last = JSON.parse(await tail.waitFor((l) => l.startsWith('{'))) as EventSummaryJson;
      assert.equal(last.source, 'other', 'the last matching event first');
      const skipped = (await send('jobserv', jobservBuild(20))).json.id;
      const wanted = (await send('other', jobservBuild(21))).json.id;
      const line = await tail.waitFor((l) => l.includes(wanted));
      assert.equal((JSON.parse(line) as EventSummaryJson).source, 'other');
      assert.ok(!tail.lines.some((l) => l.includes(skipped)), 'filtered out');
    } finally {
      assert.equal((await tail.stop()).code, 0);
    }
  });

  it('works on the database file with no receiver running', async () => {
    const copy = tempDir('hookd-cli-events-offline-');
    const second = await startReceiver(config(), { dir: copy });
    const body = pythonJsonDumps(jobservBuild(99));
    const id = (await post(`${second.url}/hooks/jobserv`, body, signedHeaders('jobserv', SECRET, body))).json.id;
    await second.hookd.close();
    const res = await hookd(copy, ['events', 'list', '--json']);
    assert.equal(res.code, 0, res.err);
    assert.equal((JSON.parse(res.out.trim()) as EventSummaryJson).id, id);
  });

  it('says how to get a database when there is none', async () => {
    const empty = tempDir('hookd-cli-events-empty-');
    fs.writeFileSync(path.join(empty, 'hookd.yaml'), 'sources: { jobserv: { kind: jobserv, secret: x } }\n');
    const res = await hookd(empty, ['events', 'list']);
    assert.equal(res.code, 2);
    assert.match(res.err, /no database at .*hookd serve/);
  });
});
