// README → Plugins; Guarantees: dispatch to plugins — per-plugin durable cursors, receipt order, retries and
// deactivation, catch-up after a fix, isolation of misbehaving plugins, hot reload, replay.
// Real receiver, real worker threads, real SQLite file in a temp dir, real HTTP on loopback.
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  appenderPlugin,
  caughtUp,
  jobservBuild,
  lines,
  send,
  sendBuild,
  sleep,
  startIn,
  tempDir,
  testConfig,
  waitFor,
  writePlugin,
} from './helpers/plugins.js';
import type { Started } from './helpers/plugins.js';
import { PluginDispatcher } from '../dist/dispatch/dispatcher.js';
import { HookdError } from '../dist/errors.js';
import { createLogger } from '../dist/log.js';
import { SqliteStore } from '../dist/store/sqlite/index.js';
import type { DispatcherEvents, Outcome, PluginStatus } from '../dist/dispatch/types.js';

type OutcomeEvent = DispatcherEvents['outcome'][0];
type StateEvent = DispatcherEvents['state'][0];

/** The plugin's status, if it is loaded. */
const findPlugin = async (r: Started, name: string): Promise<PluginStatus | undefined> => (await r.hookd.dispatcher.list()).find((p) => p.name === name);
/** The plugin's status; it must be loaded. */
const byName = async (r: Started, name: string): Promise<PluginStatus> => {
  const p = await findPlugin(r, name);
  assert.ok(p, `plugin ${name} is loaded`);
  return p;
};
/** The event's outcome for the plugin, if there is one yet. */
const findOutcome = async (r: Started, id: string, plugin: string): Promise<Outcome | undefined> =>
  (await r.hookd.dispatcher.outcomesFor(id)).find((o) => o.plugin === plugin);
/** The event's outcome for the plugin; there must be one. */
const outcomeOf = async (r: Started, id: string, plugin: string): Promise<Outcome> => {
  const o = await findOutcome(r, id, plugin);
  assert.ok(o, `an outcome of ${id} for ${plugin}`);
  return o;
};

describe('delivery: each plugin sees every matching event once, in receipt order', () => {
  it('hands concurrent webhooks over in commit order, records done and skipped, and keeps lag at 0', async () => {
    const dir = tempDir();
    const all = path.join(dir, 'all.txt');
    const failed = path.join(dir, 'failed.txt');
    writePlugin(dir, 'all.mjs', appenderPlugin(all));
    writePlugin(dir, 'failed-only.mjs', appenderPlugin(failed, { match: { source: 'jobserv', where: { path: 'status', in: ['FAILED'] } } }));
    const r = await startIn(dir, testConfig());
    try {
      const outcomes: OutcomeEvent[] = [];
      r.hookd.dispatcher.on('outcome', (o) => outcomes.push(o));
      const builds = Array.from({ length: 30 }, (_, i) => ({ n: i + 1, status: i % 3 === 0 ? 'FAILED' : 'PASSED' }));
      const ids = await Promise.all(builds.map((b) => sendBuild(r.url, b.n, b.status)));
      const statusOf = new Map(ids.map((id, i) => [id, builds[i].status]));
      // ULIDs sort in commit order: the order every plugin must see.
      const committed = [...ids].sort();
      await waitFor(async () => lines(all).length >= 30 && (await r.hookd.dispatcher.list()).every((p) => p.lag === 0), 'both plugins to catch up');
      assert.deepEqual(lines(all), committed);
      assert.deepEqual(
        lines(failed),
        committed.filter((id) => statusOf.get(id) === 'FAILED'),
      );

      const passed = committed.find((id) => statusOf.get(id) === 'PASSED');
      assert.ok(passed);
      const recorded = await r.hookd.dispatcher.outcomesFor(passed);
      assert.deepEqual(
        recorded.map((o) => [o.plugin, o.status, o.attempts, o.error]),
        [
          ['all', 'done', 1, null],
          ['failed-only', 'skipped', 0, null],
        ],
      );
      assert.equal(recorded[0].output, `ok ${passed}`, 'what handle() returned is kept');
      assert.equal(outcomes.filter((o) => o.plugin === 'all' && o.status === 'done').length, 30);
      assert.equal(outcomes.filter((o) => o.plugin === 'failed-only' && o.status === 'skipped').length, 20);

      const list = await r.hookd.dispatcher.list();
      assert.deepEqual(
        list.map((p) => p.name),
        ['all', 'failed-only'],
        'alphabetical',
      );
      for (const p of list) {
        assert.equal(p.state, 'active');
        assert.equal(p.cursor, await r.hookd.store.latestSeq());
        assert.equal(p.origin, 'file');
        assert.equal(p.failures, 0);
      }
    } finally {
      await r.hookd.close();
    }
  });

  it('after a graceful restart, carries on from each cursor: nothing missed, nothing twice, still in order', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'slow.txt');
    writePlugin(dir, 'slow.mjs', appenderPlugin(out, { before: 'await new Promise((r) => setTimeout(r, 25));' }));
    const first = await startIn(dir, testConfig());
    const before = await Promise.all(Array.from({ length: 20 }, (_, i) => sendBuild(first.url, i + 1)));
    await waitFor(async () => lines(out).length >= 4, 'a few deliveries');
    await first.hookd.close();
    const handedBeforeStop = lines(out).length;
    assert.ok(handedBeforeStop < 20, `the restart must come mid-dispatch (${handedBeforeStop} of 20 handed over)`);

    const second = await startIn(dir, testConfig());
    try {
      const after: string[] = [];
      for (let i = 0; i < 5; i++) after.push(await sendBuild(second.url, 100 + i));
      // Past the last event with its cursor committed: an event handed over twice would be in the file by now.
      await caughtUp(second.hookd, 'slow', after[after.length - 1]);
      assert.deepEqual(lines(out), [...before].sort().concat(after));
    } finally {
      await second.hookd.close();
    }
  });
});

describe('failures: retries with back-off, deactivation, catch-up once fixed', () => {
  it('after a restart, failures counted on an event pruned meanwhile do not pass to the next one', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'seen.txt');
    writePlugin(dir, 'strict.mjs', appenderPlugin(out, { name: 'strict', before: "if (event.payload.build_id === 1) throw new Error('not build 1');" }));
    // A long back-off: the second attempt would come after the restart.
    const config = testConfig({ plugins: { attempts: 3, backoffMs: 60_000 } });
    let r = await startIn(dir, config);
    const e1 = await sendBuild(r.url, 1);
    await waitFor(async () => (await byName(r, 'strict')).failures === 1, 'the first failed attempt');
    await r.hookd.close();

    // Retention (or `hookd prune`) takes the failing event while the receiver is down.
    const db = new Database(path.join(dir, 'data', 'hookd.db'));
    db.pragma('foreign_keys = ON');
    db.prepare('DELETE FROM requests WHERE id = (SELECT request_id FROM events WHERE id = ?)').run(e1);
    db.close();

    r = await startIn(dir, config);
    try {
      const e2 = await sendBuild(r.url, 2);
      await waitFor(async () => (await findOutcome(r, e2, 'strict'))?.status === 'done', 'the next event');
      assert.equal((await outcomeOf(r, e2, 'strict')).attempts, 1, "its first attempt, not the pruned event's second");
      assert.deepEqual(lines(out), [e2]);
      assert.equal((await byName(r, 'strict')).failures, 0);
    } finally {
      await r.hookd.close();
    }
  });

  it('deactivates a throwing plugin after plugins.attempts while another keeps going; fixing its file re-activates it with exactly the events it missed', async () => {
    const dir = tempDir();
    const steady = path.join(dir, 'steady.txt');
    const flaky = path.join(dir, 'flaky.txt');
    writePlugin(dir, 'flaky.mjs', `export default { async handle(event) { throw new Error('flaky is broken on ' + event.id); } };\n`);
    writePlugin(dir, 'steady.mjs', appenderPlugin(steady));
    const r = await startIn(dir, testConfig({ plugins: { attempts: 3, backoffMs: 20 } }));
    try {
      const states: StateEvent[] = [];
      const attempts: (OutcomeEvent & { at: number })[] = [];
      r.hookd.dispatcher.on('state', (s) => states.push(s));
      r.hookd.dispatcher.on('outcome', (o) => o.plugin === 'flaky' && attempts.push({ ...o, at: performance.now() }));

      const e1 = await sendBuild(r.url, 1);
      // The state event follows the commit of the new state; wait for it, not just the in-memory state.
      await waitFor(async () => states.some((s) => s.plugin === 'flaky' && s.state === 'deactivated'), 'flaky to be deactivated');
      const status = await byName(r, 'flaky');
      assert.equal(status.failures, 3);
      assert.match(status.lastError ?? '', /flaky is broken on/);
      assert.equal(status.cursor, 0, 'the cursor stays on the failing event');
      const o = await outcomeOf(r, e1, 'flaky');
      assert.deepEqual([o.status, o.attempts], ['pending', 3]);
      assert.match(o.error ?? '', new RegExp(`flaky is broken on ${e1}`));
      assert.deepEqual(
        attempts.map((a) => a.attempts),
        [1, 2, 3],
      );
      // Back-off doubles from plugins.backoffMs (20 ms, then 40 ms).
      assert.ok(attempts[1].at - attempts[0].at >= 15, `first back-off ${attempts[1].at - attempts[0].at} ms`);
      assert.ok(attempts[2].at - attempts[1].at >= 35, `second back-off ${attempts[2].at - attempts[1].at} ms`);
      const deactivated = states.find((s) => s.plugin === 'flaky' && s.state === 'deactivated');
      assert.ok(deactivated);
      assert.match(deactivated.reason, /after 3 attempt/);

      const e2 = await sendBuild(r.url, 2);
      const e3 = await sendBuild(r.url, 3);
      await waitFor(async () => lines(steady).length === 3, 'steady to get all three');
      assert.deepEqual(lines(steady), [e1, e2, e3], 'a failing plugin never holds another back');
      assert.equal((await byName(r, 'flaky')).lag, 3);
      assert.deepEqual(lines(flaky), []);

      writePlugin(dir, 'flaky.mjs', appenderPlugin(flaky));
      await caughtUp(r.hookd, 'flaky', e3);
      assert.deepEqual(lines(flaky), [e1, e2, e3], 'exactly the events it missed, in order');
      const fixed = await byName(r, 'flaky');
      assert.deepEqual([fixed.state, fixed.failures, fixed.lag], ['active', 0, 0]);
      assert.deepEqual((await outcomeOf(r, e1, 'flaky')).status, 'done');
      assert.ok(states.some((s) => s.plugin === 'flaky' && s.state === 'active' && /re-activated/.test(s.reason)));
    } finally {
      await r.hookd.close();
    }
  });

  it('retries the failing event before anything else, even a replay queued during its back-off', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'strict.txt');
    writePlugin(dir, 'strict.mjs', appenderPlugin(out, { before: `if (event.payload.status === 'FAILED') throw new Error('no FAILED builds');` }));
    const r = await startIn(dir, testConfig({ plugins: { attempts: 3, backoffMs: 150 } }));
    try {
      const tries: [string, string, number][] = [];
      r.hookd.dispatcher.on('outcome', (o) => tries.push([o.eventId, o.status, o.attempts]));
      const e0 = await sendBuild(r.url, 1);
      await waitFor(async () => lines(out).length === 1, 'e0');
      const e1 = await sendBuild(r.url, 2, 'FAILED');
      await waitFor(async () => tries.some(([id]) => id === e1), 'the first failure');
      assert.equal(await r.hookd.dispatcher.replay([e0]), 1);
      await waitFor(async () => (await byName(r, 'strict')).state === 'deactivated', 'strict to give up on e1');
      assert.deepEqual(
        tries.filter(([id]) => id === e1),
        [
          [e1, 'pending', 1],
          [e1, 'pending', 2],
          [e1, 'pending', 3],
        ],
      );
      assert.deepEqual(lines(out), [e0], 'the replay waits behind the failing event');
      assert.equal((await byName(r, 'strict')).failures, 3);
    } finally {
      await r.hookd.close();
    }
  });

  it('continueOnError: after the last attempt the event is failed (dead letter), onError is told, and the cursor moves on', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'picky.txt');
    const told = path.join(dir, 'told.txt');
    writePlugin(
      dir,
      'picky.mjs',
      appenderPlugin(out, {
        extra: `continueOnError: true,
  onError(error, event, ctx) { fs.appendFileSync(${JSON.stringify(told)}, event.id + ' ' + ctx.attempt + ' ' + error.message + '\\n'); },`,
        before: `if (event.payload.status === 'FAILED') throw new TypeError('cannot take FAILED builds');`,
      }),
    );
    const r = await startIn(dir, testConfig({ plugins: { attempts: 2, backoffMs: 10 } }));
    try {
      const e1 = await sendBuild(r.url, 1);
      const e2 = await sendBuild(r.url, 2, 'FAILED');
      const e3 = await sendBuild(r.url, 3);
      await waitFor(async () => lines(out).length === 2 && (await byName(r, 'picky')).lag === 0, 'the two it can take');
      assert.deepEqual(lines(out), [e1, e3]);
      const o = await outcomeOf(r, e2, 'picky');
      assert.deepEqual([o.status, o.attempts, o.error], ['failed', 2, 'TypeError: cannot take FAILED builds']);
      assert.deepEqual(lines(told), [`${e2} 2 TypeError: cannot take FAILED builds`]);
      const p = await byName(r, 'picky');
      assert.deepEqual([p.state, p.failures, p.lag], ['active', 0, 0]);
      assert.equal(p.lastError, 'TypeError: cannot take FAILED builds');
    } finally {
      await r.hookd.close();
    }
  });
});

describe('isolation: misbehaving plugins never delay an ack nor take the receiver down', () => {
  it('times out hanging and busy-looping plugins, survives process.exit and uncaught errors, and acks stay fast meanwhile', async () => {
    const dir = tempDir();
    const steady = path.join(dir, 'steady.txt');
    const aborted = path.join(dir, 'aborted.txt');
    const misbehaving = {
      'hang.mjs': `import fs from 'node:fs';
export default { continueOnError: true, handle(event, ctx) {
  ctx.signal.addEventListener('abort', () => fs.appendFileSync(${JSON.stringify(aborted)}, event.id + ' ' + ctx.signal.reason.name + '\\n'));
  return new Promise(() => {});
} };\n`,
      'spin.mjs': `export default { continueOnError: true, handle() { for (;;) {} } };\n`,
      'exit.mjs': `export default { continueOnError: true, handle() { process.exit(3); } };\n`,
      'crash.mjs': `export default { continueOnError: true, handle() { setTimeout(() => { throw new Error('uncaught in a plugin'); }); return new Promise(() => {}); } };\n`,
    };
    for (const [file, code] of Object.entries(misbehaving)) writePlugin(dir, file, code);
    writePlugin(dir, 'steady.mjs', appenderPlugin(steady));
    const r = await startIn(dir, testConfig({ plugins: { timeoutMs: 300, attempts: 2, backoffMs: 10 } }));
    try {
      const ids: string[] = [];
      const acks: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await send(r.url, 'jobserv', 'jobserv', jobservBuild(i + 1));
        assert.equal(res.status, 200);
        ids.push(res.json.id as string);
        acks.push(res.ms);
        await sleep(25); // paced: the acks are measured over a second of plugins hanging, spinning and exiting
      }
      acks.sort((a, b) => a - b);
      const p99 = acks[Math.ceil(acks.length * 0.99) - 1];
      assert.ok(p99 < 500, `ack p99 ${p99.toFixed(1)} ms while plugins hang, spin and exit`);

      await waitFor(async () => lines(steady).length === 40, 'steady to get every event');
      assert.deepEqual(lines(steady), ids, 'misbehaving plugins never hold another back');
      await waitFor(
        async () => (await Promise.all(['hang', 'spin', 'exit', 'crash'].map((p) => findOutcome(r, ids[0], p)))).every((o) => o?.status === 'failed'),
        'each misbehaving plugin to give up on the first event',
        { timeout: 15_000 },
      );
      assert.match((await outcomeOf(r, ids[0], 'hang')).error ?? '', /^timed out after 300 ms$/);
      assert.match((await outcomeOf(r, ids[0], 'spin')).error ?? '', /^timed out after 300 ms$/);
      assert.match((await outcomeOf(r, ids[0], 'exit')).error ?? '', /exited \(code 3\)/);
      assert.match((await outcomeOf(r, ids[0], 'crash')).error ?? '', /crashed: Error: uncaught in a plugin/);
      assert.equal((await outcomeOf(r, ids[0], 'hang')).attempts, 2);
      assert.ok(lines(aborted).includes(`${ids[0]} TimeoutError`), 'ctx.signal aborts at the timeout');
      for (const p of await r.hookd.dispatcher.list()) assert.equal(p.state, 'active', p.name);
      // Still answering.
      assert.equal((await send(r.url, 'jobserv', 'jobserv', jobservBuild(999))).status, 200);
    } finally {
      await r.hookd.close();
    }
  });
});

describe('hot reload: plugins.dir is watched', () => {
  it('loads a new file (from the newest event, or the oldest with from: "beginning"), unloads a removed one and keeps its cursor, and deactivates a file that cannot load until it is fixed', async () => {
    const dir = tempDir();
    const late = path.join(dir, 'late.txt');
    const early = path.join(dir, 'early.txt');
    const broken = path.join(dir, 'broken.txt');
    const witness = path.join(dir, 'witness.txt');
    const r = await startIn(dir, testConfig());
    try {
      assert.deepEqual(await r.hookd.dispatcher.list(), []);
      const e1 = await sendBuild(r.url, 1);

      writePlugin(dir, 'late.mjs', appenderPlugin(late));
      // Stays loaded while late.mjs is gone: its progress says when late would have had an event.
      writePlugin(dir, 'witness.mjs', appenderPlugin(witness));
      writePlugin(dir, '_helper.mjs', 'export const x = 1;\n');
      await waitFor(async () => (await findPlugin(r, 'late')) && (await findPlugin(r, 'witness')), 'late.mjs and witness.mjs to load');
      const e2 = await sendBuild(r.url, 2);
      await waitFor(async () => lines(late).length === 1 && (await byName(r, 'late')).lag === 0, 'late to finish e2');
      assert.deepEqual(lines(late), [e2], 'a new plugin starts after the newest event');

      // Told once late's loop has stopped and its cursor is kept.
      const unloaded = new Promise<void>((resolve) =>
        r.hookd.dispatcher.on('state', (s) => s.plugin === 'late' && s.reason.startsWith('unloaded') && resolve()),
      );
      fs.rmSync(path.join(dir, 'plugins', 'late.mjs'));
      await unloaded;
      assert.equal(await findPlugin(r, 'late'), undefined, 'late.mjs is unloaded');
      const e3 = await sendBuild(r.url, 3);
      await caughtUp(r.hookd, 'witness', e3);
      assert.deepEqual(lines(witness), [e2, e3]);
      assert.deepEqual(lines(late), [e2]);

      writePlugin(dir, 'late.mjs', appenderPlugin(late));
      await waitFor(async () => lines(late).length === 2, 'late to come back and catch up');
      assert.deepEqual(lines(late), [e2, e3], 'its cursor was kept while it was gone');

      writePlugin(dir, 'early.mjs', appenderPlugin(early, { extra: "from: 'beginning'," }));
      await waitFor(async () => lines(early).length === 3, 'early to read everything');
      assert.deepEqual(lines(early), [e1, e2, e3]);

      writePlugin(dir, 'broken.mjs', 'export default { handle( {\n');
      await waitFor(async () => await findPlugin(r, 'broken'), 'broken.mjs to be listed');
      const b = await byName(r, 'broken');
      assert.equal(b.state, 'deactivated');
      assert.match(b.lastError ?? '', /^could not be loaded: SyntaxError/);
      const e4 = await sendBuild(r.url, 4);
      writePlugin(dir, 'broken.mjs', appenderPlugin(broken));
      await waitFor(async () => lines(broken).length === 1, 'the fixed file to run');
      assert.deepEqual(lines(broken), [e4], 'it catches up from when it first appeared');
      assert.equal((await byName(r, 'broken')).state, 'active');
      assert.deepEqual(
        (await r.hookd.dispatcher.list()).map((p) => p.name),
        ['broken', 'early', 'late', 'witness'],
        'helpers starting with _ are not plugins',
      );
    } finally {
      await r.hookd.close();
    }
  });
  it('two files cannot share a plugin name: the first (alphabetically) wins, the other loads once it is gone', async () => {
    const dir = tempDir();
    const one = path.join(dir, 'one.txt');
    const two = path.join(dir, 'two.txt');
    writePlugin(dir, 'a-one.mjs', appenderPlugin(one, { name: 'notify' }));
    writePlugin(dir, 'b-two.mjs', appenderPlugin(two, { name: 'notify' }));
    const r = await startIn(dir, testConfig());
    try {
      assert.deepEqual(
        (await r.hookd.dispatcher.list()).map((p) => [p.name, path.basename(p.file ?? '')]),
        [['notify', 'a-one.mjs']],
      );
      const e1 = await sendBuild(r.url, 1);
      await waitFor(async () => lines(one).length === 1 && (await byName(r, 'notify')).lag === 0, 'a-one to finish e1');
      fs.rmSync(path.join(dir, 'plugins', 'a-one.mjs'));
      await waitFor(async () => (await findPlugin(r, 'notify'))?.file?.endsWith('b-two.mjs'), 'b-two to take the name');
      const e2 = await sendBuild(r.url, 2);
      await waitFor(async () => lines(two).length === 1, 'b-two to get e2');
      assert.deepEqual([lines(one), lines(two)], [[e1], [e2]], 'one cursor per name');
    } finally {
      await r.hookd.close();
    }
  });
});

describe('start-up: a new plugin misses nothing acknowledged while it loads', () => {
  // The dispatcher is built before the listeners open and started after them (loading plugins never
  // delays the first ack). A webhook acknowledged in between is after "the newest event" of a plugin
  // seen for the first time at that start.
  it('starts a new plugin at the newest event before the receiver listened, not at its registration', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.txt');
    const later = path.join(dir, 'later.txt');
    writePlugin(dir, 'new.mjs', appenderPlugin(out));
    const store = await SqliteStore.open({ path: path.join(dir, 'data', 'hookd.db'), synchronous: 'normal' });
    const append = async (n: number): Promise<string> => {
      const body = Buffer.from(JSON.stringify(jobservBuild(n)));
      const { events } = await store.append(
        {
          source: 'jobserv',
          receivedAt: Date.now(),
          contentType: 'application/json',
          headers: {},
          body,
          events: [{ dedupeKey: `build-${n}`, schema: null, status: 'accepted', errors: null }],
        },
        { deadline: Date.now() + 5000 },
      );
      return events[0].id;
    };
    const plugins = { dir: path.join(dir, 'plugins'), attempts: 3, timeoutMs: 2000, backoffMs: 20, pollMs: 50, builtins: [] };
    const logger = createLogger({ level: 'error', destination: fs.createWriteStream(path.join(dir, 'log.txt')) });
    await append(1); // before this start: not for a new plugin
    const dispatcher = new PluginDispatcher({ store, logger, plugins, baseDir: dir });
    await dispatcher.prepare(); // what serve.ts does before the listeners open
    try {
      const acked = await append(2); // the listeners are open, the plugin not registered yet
      await dispatcher.start();
      const after = await append(3);
      await waitFor(async () => lines(out).length >= 2, 'the new plugin to take both');
      assert.deepEqual(lines(out), [acked, after]);

      writePlugin(dir, 'later.mjs', appenderPlugin(later));
      await waitFor(async () => (await dispatcher.list()).some((p) => p.name === 'later'), 'later.mjs to load');
      const last = await append(4);
      // Both past the last event with their cursors committed: anything else later was handed is in its file.
      await caughtUp({ store, dispatcher }, 'later', last);
      await caughtUp({ store, dispatcher }, 'new', last);
      assert.deepEqual(lines(out), [acked, after, last]);
      assert.deepEqual(lines(later), [last], 'dropped in while running, a plugin starts at the newest event then');
    } finally {
      await dispatcher.close();
      await store.close();
    }
  });
});

describe('replay, quarantine and release, enable and disable', () => {
  it('Dispatcher.replay queues stored events for every matching plugin (or one), ahead of the cursor', async () => {
    const dir = tempDir();
    const a = path.join(dir, 'a.txt');
    const b = path.join(dir, 'b.txt');
    writePlugin(dir, 'a.mjs', appenderPlugin(a));
    writePlugin(dir, 'b.mjs', appenderPlugin(b, { match: { where: { path: 'status', equals: 'FAILED' } } }));
    const r = await startIn(dir, testConfig());
    try {
      const e1 = await sendBuild(r.url, 1);
      const e2 = await sendBuild(r.url, 2, 'FAILED');
      await waitFor(async () => lines(a).length === 2 && lines(b).length === 1, 'first delivery');
      assert.equal(await r.hookd.dispatcher.replay([e1, e2]), 3, 'a takes both, b only the FAILED one');
      await waitFor(async () => lines(a).length === 4 && lines(b).length === 2, 'the replay');
      assert.deepEqual(lines(a), [e1, e2, e1, e2]);
      assert.deepEqual(lines(b), [e2, e2]);

      assert.equal(await r.hookd.dispatcher.replay([e1], 'a'), 1);
      assert.equal(await r.hookd.dispatcher.replay([e1], 'b'), 0, 'not a match for b');
      assert.equal(await r.hookd.dispatcher.replay(['01ARZ3NDEKTSV4RRFFQ69G5FAV']), 0);
      await assert.rejects(r.hookd.dispatcher.replay([e1], 'ghost'), /no plugin named 'ghost'/);
      await waitFor(async () => lines(a).length === 5, 'the replay to a');
      assert.equal(lines(a)[4], e1);
    } finally {
      await r.hookd.close();
    }
  });

  it('passes quarantined events; a release (revalidate) hands them over; disable holds a plugin and enable lets it catch up', async () => {
    const dir = tempDir();
    const a = path.join(dir, 'a.txt');
    const b = path.join(dir, 'b.txt');
    writePlugin(dir, 'a.mjs', appenderPlugin(a));
    writePlugin(dir, 'b.mjs', appenderPlugin(b, { match: { where: { path: 'status', equals: 'FAILED' } } }));
    const r = await startIn(dir, testConfig());
    try {
      const bad = await send(r.url, 'jobserv', 'jobserv', { ...jobservBuild(1), status: 'EXPLODED' });
      assert.equal(bad.status, 422);
      const q = bad.json.id as string;
      const e1 = await sendBuild(r.url, 2);
      await waitFor(async () => lines(a).length === 1, 'a to pass the quarantined event');
      assert.deepEqual(lines(a), [e1]);
      assert.deepEqual(await r.hookd.dispatcher.outcomesFor(q), [], 'a quarantined event is not dispatched');
      assert.equal(await r.hookd.dispatcher.replay([q]), 0, 'nor replayed');

      // What `hookd events revalidate` does once the event passes: the new status and its redelivery, in one transaction.
      const { queued } = await r.hookd.store.updateValidation([{ id: q, status: 'accepted', schema: null, errors: null }]);
      assert.equal(queued, 2, 'queued for every plugin present');
      assert.equal(await r.hookd.store.enqueueRedelivery([q]), 0, 'an event already queued for a plugin is queued once');
      await waitFor(async () => lines(a).length === 2, 'the released event');
      assert.deepEqual(lines(a), [e1, q]);
      await waitFor(async () => (await findOutcome(r, q, 'b'))?.status === 'skipped', 'b to skip it');

      const states: StateEvent[] = [];
      r.hookd.dispatcher.on('state', (s) => states.push(s));
      await r.hookd.dispatcher.disable('a');
      assert.deepEqual(states.at(-1), { plugin: 'a', state: 'disabled', reason: 'disabled' });
      const e2 = await sendBuild(r.url, 3);
      // b passes over e2 (not FAILED): by then an active a would have been handed it.
      await caughtUp(r.hookd, 'b', e2);
      assert.deepEqual(lines(a), [e1, q]);
      assert.deepEqual([(await byName(r, 'a')).state, (await byName(r, 'a')).lag], ['disabled', 1]);
      assert.equal((await outcomeOf(r, e2, 'b')).status, 'skipped', 'b skipped e2');
      assert.deepEqual(
        (await r.hookd.dispatcher.outcomesFor(e2)).map((o) => [o.plugin, o.status, o.attempts]),
        [
          ['a', 'pending', 0],
          ['b', 'skipped', 0],
        ],
        'pending: a will be handed it once enabled',
      );
      await r.hookd.dispatcher.enable('a');
      await waitFor(async () => lines(a).length === 3, 'a to catch up');
      assert.deepEqual(lines(a), [e1, q, e2]);
      await assert.rejects(r.hookd.dispatcher.enable('ghost'), (err) => err instanceof HookdError && err.status === 404);
    } finally {
      await r.hookd.close();
    }
  });
});
