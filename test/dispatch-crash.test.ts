// README → Plugins: at-least-once, in receipt order, across a SIGKILL of the receiver mid-dispatch and a
// graceful SIGTERM restart. The receiver is a real `hookd serve` child process; the plugin appends
// each event id to a file, and every id that was acked must reach it.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { appenderPlugin, cliPath, lines, prepare, sendBuild, tempDir, testConfig, waitFor, writePlugin } from './helpers/plugins.js';

const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Serving {
  child: ChildProcess;
  url: string;
  exited: Promise<Exit>;
}

/** Starts `hookd serve` in `dir`; resolves with its ingest URL once it listens. */
function serve(dir: string): Promise<Serving> {
  const child = spawn(process.execPath, [cliPath, 'serve'], {
    cwd: dir,
    env: { ...process.env, HOOKD_DATA_DIR: path.join(dir, 'data') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => (children.delete(child), resolve({ code, signal }))));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const entry = JSON.parse(line) as { msg?: string; ingest: string };
          if (entry.msg === 'hookd listening') resolve({ child, url: entry.ingest, exited });
        } catch {
          /* not a log line */
        }
      }
    });
    void exited.then(({ code }) => reject(new Error(`hookd serve exited with ${code}: ${stderr}`)));
  });
}

describe('at-least-once across a crash and a restart of the receiver process', () => {
  it('every acked event reaches the plugin, in receipt order, after SIGKILL mid-dispatch and after SIGTERM', async () => {
    const dir = tempDir('hookd-crash-');
    const out = path.join(dir, 'seen.txt');
    prepare(dir, testConfig({ plugins: { pollMs: 200 } }));
    // Slow enough that acks run well ahead of dispatch; from the beginning so nothing before its load is skipped.
    writePlugin(dir, 'recorder.mjs', appenderPlugin(out, { extra: "from: 'beginning',", before: 'await new Promise((r) => setTimeout(r, 15));' }));
    const acked: string[] = [];
    const burst = async (url: string, from: number, n: number): Promise<void> => {
      for (let i = 0; i < n; i += 10) {
        const ids = await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, k) => sendBuild(url, from + i + k)));
        acked.push(...ids);
      }
    };

    // 1. SIGKILL while the plugin is behind.
    const a = await serve(dir);
    await burst(a.url, 1, 40);
    await waitFor(() => lines(out).length >= 3, 'dispatch to start');
    a.child.kill('SIGKILL');
    const killed = await a.exited;
    assert.equal(killed.signal, 'SIGKILL');
    const seenAtKill = lines(out).length;
    assert.ok(seenAtKill < 40, `the kill must land mid-dispatch (${seenAtKill} of 40 handed over)`);

    // 2. Restart: it resumes from its durable cursor; then SIGTERM while it is behind again.
    const b = await serve(dir);
    await waitFor(() => new Set(lines(out)).size >= 40, 'the backlog after the crash', { timeout: 20_000 });
    await burst(b.url, 100, 20);
    b.child.kill('SIGTERM');
    assert.deepEqual(await b.exited, { code: 0, signal: null });

    // 3. Restart again and send a few more.
    const c = await serve(dir);
    await burst(c.url, 200, 5);
    await waitFor(() => new Set(lines(out)).size >= acked.length, 'every acked event', { timeout: 20_000 });
    c.child.kill('SIGTERM');
    await c.exited;

    const seen = lines(out);
    const firstSeen = seen.filter((id, i) => seen.indexOf(id) === i);
    assert.deepEqual(firstSeen, [...acked].sort(), 'every acked id, first seen in commit order');
    // Only the batch in flight at the SIGKILL may come twice (its finished events are committed when it
    // ends): the restart hands them over again first. A graceful stop lets the event in flight finish
    // and commits the batch so far.
    const twice = seen.length - firstSeen.length;
    assert.ok(twice <= 64, `${twice} duplicate(s): more than one batch`);
    assert.deepEqual(
      seen.slice(seenAtKill, seenAtKill + twice),
      seen.slice(seenAtKill - twice, seenAtKill),
      'the duplicates are the last events before the SIGKILL',
    );
  });
});
