// Dispatch lag: the time from an event's commit to a plugin's handler starting on it, measured per
// event and exported as hookd_plugin_dispatch_lag_seconds. Real receiver, real plugin thread.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { CommitTimes } from '../dist/dispatch/commit-times.js';
import { appenderPlugin, lines, sendBuild, startIn, tempDir, testConfig, waitFor, writePlugin } from './helpers/plugins.js';
import { parsePrometheus } from './helpers/admin.js';
import type { DispatcherEvents } from '../dist/dispatch/types.js';
import type { DispatchProgress } from '../dist/store/types.js';

describe('CommitTimes: when recent events were committed, by seq', () => {
  it('answers the commit time of any seq in a noted commit, merging requests that shared a transaction', () => {
    const t = new CommitTimes(8);
    t.note([1], 1000);
    t.note([3], 1005); // two requests in one transaction: same time, noted one after the other
    t.note([2], 1005);
    t.note([4, 5, 6], 1010);
    assert.equal(t.committedAt(1), 1000);
    assert.equal(t.committedAt(2), 1005);
    assert.equal(t.committedAt(3), 1005);
    assert.equal(t.committedAt(5), 1010);
    assert.equal(t.committedAt(7), undefined, 'not committed (yet) by this process');
    assert.equal(t.committedAt(0), undefined);
  });

  it('keeps the newest commits when full, and ignores a commit out of seq order', () => {
    const t = new CommitTimes(4);
    for (let i = 1; i <= 10; i++) t.note([i], 100 * i);
    assert.equal(t.committedAt(6), undefined, 'fell out of the ring');
    for (let i = 7; i <= 10; i++) assert.equal(t.committedAt(i), 100 * i);
    t.note([3], 5000);
    assert.equal(t.committedAt(3), undefined);
    assert.equal(t.committedAt(10), 1000);
  });
});

describe('CommitTimes.whenCommitted: a handover that beats the commit note', () => {
  it('answers at once when known, later when its commit is noted, never for a seq already passed', () => {
    const t = new CommitTimes(8);
    const got: [number, number][] = [];
    t.note([1, 2], 1000);
    t.whenCommitted(2, (at) => got.push([2, at]));
    // The plugin read 3 and 4 from SQLite before the writer's answer reached the event loop.
    t.whenCommitted(3, (at) => got.push([3, at]));
    t.whenCommitted(4, (at) => got.push([4, at]));
    assert.deepEqual(got, [[2, 1000]]);
    t.note([3], 1005);
    assert.deepEqual(
      got,
      [
        [2, 1000],
        [3, 1005],
      ],
      '4 is still to come',
    );
    t.note([5], 1010); // 4 went to another process (or AUTOINCREMENT spent it on a duplicate)
    t.note([4], 1012); // out of order: ignored, as by note()
    t.whenCommitted(4, (at) => got.push([4, at]));
    assert.deepEqual(
      got,
      [
        [2, 1000],
        [3, 1005],
      ],
      'never answered for 4: its commit time is unknown',
    );
  });

  it('keeps at most 1,024 questions waiting, dropping the oldest', () => {
    const t = new CommitTimes(8);
    let answered = 0;
    for (let seq = 1; seq <= 1100; seq++) t.whenCommitted(seq, () => answered++);
    t.note([1, 1100], 2000);
    assert.equal(answered, 1024);
  });
});

describe('hookd_plugin_dispatch_lag_seconds', () => {
  it('counts from the commit: events queued behind a slow plugin show the wait, one observation per event', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'seen.txt');
    // 300 ms per event: sent together, the second event starts ≥ 300 ms and the third ≥ 600 ms after its commit.
    writePlugin(dir, 'slow.mjs', appenderPlugin(out, { before: 'await new Promise((r) => setTimeout(r, 300));' }));
    const r = await startIn(dir, testConfig());
    try {
      const started: DispatcherEvents['started'][0][] = [];
      r.hookd.dispatcher.on('started', (s) => started.push(s));
      await Promise.all([sendBuild(r.url, 1), sendBuild(r.url, 2), sendBuild(r.url, 3)]);
      await waitFor(() => lines(out).length >= 3, 'the three events');
      const m = parsePrometheus(await r.hookd.metrics.render());
      const series = (suffix: string, le?: string): number =>
        m.samples.find((s) => s.name === `hookd_plugin_dispatch_lag_seconds${suffix}` && s.labels.plugin === 'slow' && (le === undefined || s.labels.le === le))
          ?.value ?? NaN;
      assert.equal(series('_count'), 3, 'one observation per event handed over');
      assert.ok(series('_bucket', '0.25') <= 1, 'at most the first event started within 250 ms of its commit');
      assert.ok(series('_sum') >= 0.85, `the waits add up to at least 0.3 + 0.6 s (got ${series('_sum')})`);
      const lags = started.map((s) => s.lagMs).sort((a, b) => a - b);
      assert.ok(lags[2] >= 580, `the last event waited behind two slow ones (${lags.map((x) => x.toFixed(0))})`);
    } finally {
      await r.hookd.close();
    }
  });
});

describe('a commit while the progress of the last handover is still committing', () => {
  it('is handed over as soon as that progress commits, not at the next poll', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'seen.txt');
    writePlugin(dir, 'rec.mjs', appenderPlugin(out));
    // No poll to fall back on within the test: only the commit's own wake can hand the event over.
    const r = await startIn(dir, testConfig({ plugins: { pollMs: 60_000 } }));
    try {
      // The first event's progress (its cursor step) is held back until released, as a slow commit would be.
      const store = r.hookd.store;
      const record = store.recordDispatch.bind(store);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let calls = 0;
      store.recordDispatch = async (progress: DispatchProgress) => {
        const answer = await record(progress);
        if (calls++ === 0) await held;
        return answer;
      };
      const first = await sendBuild(r.url, 1);
      await waitFor(() => calls > 0, "the first event's progress");
      await new Promise((resolve) => setTimeout(resolve, 100)); // the delivery loop is now waiting for that progress
      const second = await sendBuild(r.url, 2);
      // Its commit (and wake) must land while the first progress is still held: that is the race under test.
      await new Promise((resolve) => setTimeout(resolve, 100));
      release();
      await waitFor(() => lines(out).length >= 2, 'the second event, before the 60 s poll', { timeout: 5000 });
      assert.deepEqual(lines(out), [first, second]);
    } finally {
      await r.hookd.close();
    }
  });
});
