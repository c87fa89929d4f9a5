// README → CLI, Configuration: the hookd CLI — sign, send, migrate, prune, doctor, --help.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import YAML from 'yaml';
import { SECRET, baseConfig, jobservBuild, pythonJsonDumps, readVectors, startReceiver, tempDir } from './helpers/hookd.js';
import { verify } from '../dist/verify/index.js';
import { KINDS } from '../dist/senders/kinds.js';
import { cli, runHookd } from './helpers/cli.js';
import { heapGrowingFlag } from '../dist/cli/commands/serve.js';
import type { SpawnSyncReturns } from 'node:child_process';
import type { Finding } from '../dist/cli/commands/doctor.js';
import type { ConfigInput } from './helpers/hookd.js';

function hookd(args: string[], { cwd, env = {}, input }: { cwd: string; env?: Record<string, string>; input?: string }): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', input, env: { ...process.env, HOOKD_DATA_DIR: path.join(cwd, 'data'), ...env } });
}

function withConfig(config: ConfigInput): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'hookd.yaml'), YAML.stringify(config));
  return dir;
}

describe('hookd --help', () => {
  it('lists every command and each command has its own help', () => {
    const dir = tempDir();
    const res = hookd(['--help'], { cwd: dir });
    assert.equal(res.status, 0);
    for (const name of ['serve', 'sign', 'send', 'migrate', 'prune', 'doctor']) {
      assert.match(res.stdout, new RegExp(`\\n  ${name} `));
      const own = hookd([name, '--help'], { cwd: dir });
      assert.equal(own.status, 0);
      assert.match(own.stdout, new RegExp(`^hookd ${name}`));
    }
    assert.equal(hookd(['frobnicate'], { cwd: dir }).status, 2);
  });
});

describe('hookd sign', () => {
  it('prints the header the sender would send, matching the shared vectors', () => {
    for (const v of readVectors().filter((x) => ['jobserv', 'shotgrid', 'github'].includes(x.scheme))) {
      const dir = withConfig({ sources: { s: { kind: v.scheme, secret: v.secret } } });
      const res = hookd(['sign', 's', '-'], { cwd: dir, input: v.body });
      assert.equal(res.status, 0, res.stderr);
      const [name, value] = Object.entries(v.headers)[0];
      assert.equal(res.stdout.trim(), `${name.toLowerCase()}: ${value}`);
    }
  });

  it('standard webhooks: the printed headers verify', () => {
    const secret = readVectors().find((x) => x.scheme === 'standard')!.secret;
    const dir = withConfig({ sources: { s: { kind: 'standard', secret } } });
    fs.writeFileSync(path.join(dir, 'b.json'), '{"type":"ping"}');
    const res = hookd(['sign', 's', 'b.json', '--json'], { cwd: dir });
    const headers = JSON.parse(res.stdout) as Record<string, string>;
    assert.deepEqual(verify(KINDS.standard.verify!, { secrets: [secret] }, { body: Buffer.from('{"type":"ping"}'), headers }), { ok: true });
  });

  it('a source with no secret yet says how to get one', () => {
    const dir = tempDir();
    const res = hookd(['sign', 'jobserv', '-'], { cwd: dir, input: '{}' });
    assert.equal(res.status, 2);
    assert.match(res.stderr, /no secret yet.*hookd serve/);
  });
});

describe('hookd send', () => {
  it('signs a file and POSTs it to the running receiver as the sender would', async () => {
    const dir = tempDir();
    const r = await startReceiver(baseConfig(), { dir });
    try {
      const port = new URL(r.url).port;
      fs.writeFileSync(path.join(dir, 'build.json'), pythonJsonDumps(jobservBuild(42)));
      const res = await runHookd(['send', 'foundries', 'build.json', '--json'], dir, { PORT: port });
      assert.equal(res.status, 0, res.stderr);
      const answer = JSON.parse(res.stdout) as { status: number; body: { status: string; id: string } };
      assert.equal(answer.status, 200);
      assert.equal(answer.body.status, 'accepted');
      assert.equal((await r.hookd.store.getEvent(answer.body.id))?.body.toString(), fs.readFileSync(path.join(dir, 'build.json'), 'utf8'));
      fs.writeFileSync(path.join(dir, 'bad.json'), '{"build_id": "x"}');
      const bad = await runHookd(['send', 'foundries', 'bad.json'], dir, { PORT: port });
      assert.equal(bad.status, 1, 'a 422 is a failure for send');
      assert.match(bad.stdout, /^422 /);
    } finally {
      await r.hookd.close();
    }
  });

  it('says so when no receiver answers', () => {
    const dir = withConfig({ server: { port: 1 }, sources: { s: { kind: 'jobserv', secret: SECRET } } });
    fs.writeFileSync(path.join(dir, 'b.json'), '{}');
    const res = hookd(['send', 's', 'b.json'], { cwd: dir });
    assert.equal(res.status, 1);
    assert.match(res.stderr, /cannot reach http:\/\/127\.0\.0\.1:1\/hooks\/s/);
  });
});

describe('hookd serve: how far the heap grows', () => {
  it('caps the old generation at 2.5× what the last full GC kept, unless the node command line chose', () => {
    assert.equal(heapGrowingFlag([]), '--heap-growing-percent=150');
    assert.equal(heapGrowingFlag(['--max-semi-space-size=4', '--enable-source-maps']), '--heap-growing-percent=150');
    assert.equal(heapGrowingFlag(['--heap-growing-percent=300']), undefined, "the user's own setting wins");
    assert.equal(heapGrowingFlag(['--heap_growing_percent=0']), undefined, '0 gives V8 its own default back');
  });
});

describe('hookd migrate', () => {
  it('creates the database from migrations/ and is idempotent', () => {
    const dir = tempDir();
    const first = hookd(['migrate', '--json'], { cwd: dir });
    assert.equal(first.status, 0, first.stderr);
    const applied = (JSON.parse(first.stdout) as { applied: number[] }).applied;
    assert.ok(applied.includes(1));
    const second = JSON.parse(hookd(['migrate', '--json'], { cwd: dir }).stdout) as { applied: number[] };
    assert.deepEqual(second.applied, []);
  });
});

describe('hookd prune', () => {
  it('deletes events older than the retention and keeps the rest', async () => {
    const dir = tempDir();
    const r = await startReceiver(baseConfig(), { dir });
    const { sign } = await import('../dist/verify/index.js');
    const ids: string[] = [];
    for (const n of [1, 2]) {
      const body = pythonJsonDumps(jobservBuild(n));
      const res = await fetch(`${r.url}/hooks/foundries`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...sign(KINDS.jobserv.verify!, SECRET, Buffer.from(body)) },
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    await r.hookd.close();
    // Age the first event by 10 days.
    const db = new Database(path.join(dir, 'data', 'hookd.db'));
    db.prepare('UPDATE events SET received_at = received_at - 864000000 WHERE id = ?').run(ids[0]);
    db.prepare('UPDATE requests SET received_at = received_at - 864000000 WHERE id = (SELECT request_id FROM events WHERE id = ?)').run(ids[0]);
    db.close();
    const res = hookd(['prune', '--json'], { cwd: dir });
    assert.equal(res.status, 0, res.stderr);
    assert.equal((JSON.parse(res.stdout) as { pruned: number }).pruned, 1);
    const after = new Database(path.join(dir, 'data', 'hookd.db'), { readonly: true });
    assert.deepEqual(after.prepare('SELECT id FROM events').pluck().all(), [ids[1]]);
    assert.equal(after.prepare('SELECT COUNT(*) FROM requests').pluck().get(), 1, 'the old request body went too');
    after.close();
  });
});

describe('hookd doctor', () => {
  it('exits 0 on a healthy fresh checkout and 1 on a problem', () => {
    const ok = hookd(['doctor'], { cwd: tempDir() });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /OK\s+config/);
    const bad = hookd(['doctor', '--json'], { cwd: withConfig({ sources: { a: { kind: 'jobserv', secret: { env: 'UNSET_NOT_REAL' } } } }) });
    assert.equal(bad.status, 1);
    const findings = bad.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Finding);
    assert.ok(findings.some((f) => f.level === 'fail' && /UNSET_NOT_REAL/.test(f.message)));
  });

  it('loads each plugin file as serve would: a broken one is a failure', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'plugins'));
    fs.writeFileSync(path.join(dir, 'plugins', 'good.mjs'), "export default { match: { source: 'jobserv' }, handle() {} };\n");
    fs.writeFileSync(path.join(dir, 'plugins', 'broken.mjs'), "export default { match: { source: 'jobserv' }, handle( };\n");
    const res = hookd(['doctor', '--json'], { cwd: dir });
    assert.equal(res.status, 1);
    const plugins = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Finding)
      .filter((f) => f.check === 'plugins');
    assert.deepEqual(
      plugins.map((f) => [f.level, f.message.split(' ')[0]]),
      [
        ['fail', 'broken'],
        ['ok', 'good'],
      ],
    );
  });
});
