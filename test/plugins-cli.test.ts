// README → CLI, Configuration: `hookd plugins list|enable|disable` and `hookd events replay`, run as separate
// processes against the database of a running receiver (and of a stopped one).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { appenderPlugin, caughtUp, cliPath, lines, sendBuild, startIn, tempDir, testConfig, waitFor, writePlugin } from './helpers/plugins.js';
import type { Started } from './helpers/plugins.js';
import type { PluginStatus } from '../dist/dispatch/types.js';

/** A line of `plugins list --json`: the status plus whether its file is still there. */
type Listed = Omit<PluginStatus, 'leased'> & { present: boolean };

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout's JSON lines, as the command's --json prints them. */
  json: <T = unknown>() => T[];
}

/** Runs the CLI without blocking this process's event loop (the receiver under test lives here). */
function hookd(dir: string, ...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: dir, env: { ...process.env, HOOKD_DATA_DIR: path.join(dir, 'data') } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) =>
      resolve({
        status,
        stdout,
        stderr,
        json: <T>() =>
          stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as T),
      }),
    );
  });
}

describe('hookd plugins and hookd events replay', () => {
  let r: Started;
  let dir: string;
  let a: string;
  let b: string;
  const ids: string[] = [];
  const findPlugin = async (name: string): Promise<PluginStatus | undefined> => (await r.hookd.dispatcher.list()).find((p) => p.name === name);
  const byName = async (name: string): Promise<PluginStatus> => {
    const p = await findPlugin(name);
    assert.ok(p, `plugin ${name} is loaded`);
    return p;
  };

  before(async () => {
    dir = tempDir('hookd-plugins-cli-');
    a = path.join(dir, 'a.txt');
    b = path.join(dir, 'b.txt');
    writePlugin(dir, 'a.mjs', appenderPlugin(a));
    writePlugin(dir, 'b.mjs', appenderPlugin(b, { match: { where: { path: 'status', equals: 'FAILED' } } }));
    r = await startIn(dir, testConfig());
    ids.push(await sendBuild(r.url, 1), await sendBuild(r.url, 2, 'FAILED'));
    await waitFor(
      async () => lines(a).length === 2 && lines(b).length === 1 && (await r.hookd.dispatcher.list()).every((p) => p.lag === 0),
      'first deliveries',
    );
  });
  after(() => r?.hookd.close());

  it('plugins list --json: one object per plugin with state, cursor, lag, failures, last error', async () => {
    const res = await hookd(dir, 'plugins', 'list', '--json');
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(res.json(), [
      { name: 'a', origin: 'file', file: path.join(dir, 'plugins', 'a.mjs'), state: 'active', cursor: 2, lag: 0, lastError: null, failures: 0, present: true },
      { name: 'b', origin: 'file', file: path.join(dir, 'plugins', 'b.mjs'), state: 'active', cursor: 2, lag: 0, lastError: null, failures: 0, present: true },
    ]);
    const text = await hookd(dir, 'plugins', 'list');
    assert.equal(text.status, 0);
    const [header, ...rows] = text.stdout.trim().split('\n');
    assert.match(header, /^NAME\s+ORIGIN\s+STATE\s+CURSOR\s+LAG\s+FAILURES\s+LAST ERROR$/);
    assert.match(rows[0], /^a\s+file\s+active\s+2\s+0\s+0\s+-$/);
  });

  it('plugins disable / enable reach the running receiver; the plugin catches up from its cursor', async () => {
    const off = await hookd(dir, 'plugins', 'disable', 'a');
    assert.equal(off.status, 0, off.stderr);
    assert.match(off.stdout, /^a: disabled/);
    await waitFor(async () => (await byName('a')).state === 'disabled', 'the receiver to see the change');
    ids.push(await sendBuild(r.url, 3));
    // b passes over build 3 (not FAILED): by then an active a would have been handed it.
    await caughtUp(r.hookd, 'b', ids[2]);
    assert.equal(lines(a).length, 2, 'a disabled plugin is handed nothing');
    const listed = (await hookd(dir, 'plugins', 'list', '--json')).json<Listed>().find((p) => p.name === 'a');
    assert.deepEqual([listed?.state, listed?.lag], ['disabled', 1]);

    const on = await hookd(dir, 'plugins', 'enable', 'a');
    assert.equal(on.status, 0, on.stderr);
    await waitFor(async () => lines(a).length === 3, 'a to catch up');
    assert.deepEqual(lines(a), ids);
    assert.equal((await byName('a')).state, 'active');

    const ghost = await hookd(dir, 'plugins', 'enable', 'ghost');
    assert.equal(ghost.status, 1);
    assert.match(ghost.stderr, /no plugin named 'ghost'/);
  });

  it('events replay <id> --plugin: the event again, to that plugin only', async () => {
    const res = await hookd(dir, 'events', 'replay', ids[0], '--plugin', 'a', '--json');
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(res.json(), [{ events: 1, queued: 1, plugins: ['a'], missing: [], quarantined: [] }]);
    await waitFor(async () => lines(a).length === 4, 'the replay');
    assert.equal(lines(a)[3], ids[0]);
    assert.equal(lines(b).length, 1);
  });

  it('events replay --since --source: a range, oldest first, to every plugin (those that do not match skip)', async () => {
    const res = await hookd(dir, 'events', 'replay', '--since', '1h', '--source', 'jobserv');
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^queued 3 event\(s\) for a, b: 6 deliveries/);
    await waitFor(async () => lines(a).length === 7 && lines(b).length === 2, 'the replayed range');
    assert.deepEqual(lines(a).slice(4), ids);
    assert.deepEqual(lines(b), [ids[1], ids[1]]);
  });

  it('events replay refuses what does not exist and needs ids or a range', async () => {
    const missing = await hookd(dir, 'events', 'replay', '01ARZ3NDEKTSV4RRFFQ69G5FAV');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no event 01ARZ3NDEKTSV4RRFFQ69G5FAV/);
    assert.equal((await hookd(dir, 'events', 'replay', ids[0], '--plugin', 'ghost')).status, 1);
    assert.equal((await hookd(dir, 'events', 'replay')).status, 2);
    const help = await hookd(dir, 'events', 'replay', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /hookd events replay <id>\.\.\. \[--plugin NAME\]/);
  });

  it('plugins list shows a removed plugin with its cursor kept, and works with the receiver stopped', async () => {
    fs.rmSync(path.join(dir, 'plugins', 'b.mjs'));
    await waitFor(async () => !(await findPlugin('b')), 'b to unload');
    await r.hookd.close();
    const res = await hookd(dir, 'plugins', 'list', '--json');
    assert.equal(res.status, 0, res.stderr);
    const listed = res.json<Listed>().find((p) => p.name === 'b');
    assert.deepEqual([listed?.present, listed?.cursor, listed?.state], [false, 3, 'active']);
    const text = await hookd(dir, 'plugins', 'list');
    assert.match(text.stdout, /\nb\s+file\s+active \(removed\)\s+3\s/);
  });
});
