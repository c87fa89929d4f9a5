// README → Plugins: batch handover. A plugin behind its cursor is handed up to 64 matching events per call
// to its thread, run one after another; receipt order, once-each, retries, per-event timeouts and
// hot reload hold as for single events. Real receiver, real worker threads, real SQLite in a temp dir.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { caughtUp, lines, sendBuild, startIn, tempDir, testConfig, waitFor, writePlugin } from './helpers/plugins.js';
import type { Started } from './helpers/plugins.js';
import type { DispatcherEvents, Outcome, PluginStatus } from '../dist/dispatch/types.js';

/** The plugin's status; it must be listed. */
const byName = async (r: Started, name: string): Promise<PluginStatus> => {
  const p = (await r.hookd.dispatcher.list()).find((x) => x.name === name);
  assert.ok(p, `plugin ${name} is listed`);
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

/**
 * A plugin that appends `<tag> <event id> <call>` per event it finishes, where `<call>` names the
 * message that handed the event to its thread (`<threadId>.<n>`): events handed over together share it.
 */
function recorderPlugin(out: string, { tag = 'v1', extra = '', before = '' }: { tag?: string; extra?: string; before?: string } = {}): string {
  return `import fs from 'node:fs';
import { parentPort, threadId } from 'node:worker_threads';
let calls = 0;
parentPort.on('message', (m) => { if (m.type === 'handle') calls++; });
export default {
  ${extra}
  async handle(event, ctx) {
    ${before}
    fs.appendFileSync(${JSON.stringify(out)}, ${JSON.stringify(tag)} + ' ' + event.id + ' ' + threadId + '.' + calls + '\\n');
    return 'ok';
  },
};
`;
}

interface Seen {
  tag: string;
  id: string;
  call: string;
}

const records = (file: string): Seen[] =>
  lines(file).map((l) => {
    const [tag, id, call] = l.split(' ') as [string, string, string];
    return { tag, id, call };
  });

/** Sends builds from..from+n-1 one after another (so build order is receipt order) while the plugin is disabled: a backlog. */
async function backlog(r: Started, plugin: string, n: number): Promise<string[]> {
  await r.hookd.dispatcher.disable(plugin);
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) ids.push(await sendBuild(r.url, i));
  return ids;
}

describe('batch handover: a plugin behind its cursor is handed many events per call', () => {
  it('hands a backlog of 200 events over in receipt order, each once, in a handful of calls', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'seen.txt');
    writePlugin(dir, 'recorder.mjs', recorderPlugin(out));
    const r = await startIn(dir, testConfig());
    try {
      const ids = await backlog(r, 'recorder', 200);
      const outcomes: DispatcherEvents['outcome'][0][] = [];
      r.hookd.dispatcher.on('outcome', (o) => outcomes.push(o));
      await r.hookd.dispatcher.enable('recorder');
      // Past the last event with its cursor committed: anything handed over twice would be in the file by now.
      await caughtUp(r.hookd, 'recorder', ids[ids.length - 1]);
      const seen = records(out);
      assert.deepEqual(
        seen.map((s) => s.id),
        ids,
        'every event once, in receipt order',
      );
      const calls = new Set(seen.map((s) => s.call)).size;
      assert.ok(calls <= 20, `${calls} calls for 200 events (64 a call at most: 4)`);
      assert.ok(seen.filter((s) => s.call === seen[0].call).length > 1, 'the first call carried several events');
      assert.deepEqual(
        outcomes.map((o) => [o.eventId, o.status, o.attempts]),
        ids.map((id) => [id, 'done', 1]),
        'one outcome per event for the admin side and metrics',
      );
      assert.ok(outcomes.every((o) => o.ms >= 0 && o.ms < 2000));
      assert.equal((await byName(r, 'recorder')).cursor, await r.hookd.store.latestSeq());
    } finally {
      await r.hookd.close();
    }
  });

  it("a slow plugin's progress is committed as it goes: a batch starts no new event after 100 ms", async () => {
    const dir = tempDir();
    const out = path.join(dir, 'seen.txt');
    writePlugin(dir, 'slow.mjs', recorderPlugin(out, { before: 'await new Promise((r) => setTimeout(r, 50));' }));
    const r = await startIn(dir, testConfig());
    try {
      const ids = await backlog(r, 'slow', 20);
      await r.hookd.dispatcher.enable('slow');
      await waitFor(async () => lines(out).length >= 8, 'eight events (400 ms of work)');
      // One batch of all 20 would commit nothing before its end, a second from now.
      assert.ok(
        (await byName(r, 'slow')).cursor >= ((await r.hookd.store.seqOf(ids[1])) ?? Infinity),
        'the first events are committed while the backlog is worked through',
      );
      await waitFor(async () => lines(out).length >= 20 && (await byName(r, 'slow')).lag === 0, 'the backlog');
      const seen = records(out);
      assert.deepEqual(
        seen.map((s) => s.id),
        ids,
      );
      assert.ok(new Set(seen.map((s) => s.call)).size >= 5, 'several calls of a few events each');
    } finally {
      await r.hookd.close();
    }
  });

  it('a failure mid-batch: the events before it are done and never handed over again, even after a restart; it is retried alone, then the rest follow in order', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'seen.txt');
    const gate = path.join(dir, 'ready');
    // Fails on build 50 until the gate file exists; a long back-off keeps the retry for after the restart.
    writePlugin(
      dir,
      'strict.mjs',
      recorderPlugin(out, { before: `if (event.payload.build_id === 50 && !fs.existsSync(${JSON.stringify(gate)})) throw new Error('not yet');` }),
    );
    const config = testConfig({ plugins: { attempts: 3, backoffMs: 60_000 } });
    const first = await startIn(dir, config);
    let ids: string[] = [];
    try {
      ids = await backlog(first, 'strict', 100);
      await first.hookd.dispatcher.enable('strict');
      await waitFor(async () => (await findOutcome(first, ids[49], 'strict'))?.attempts === 1, 'the failure on build 50');
      const seen = records(out);
      assert.deepEqual(
        seen.map((s) => s.id),
        ids.slice(0, 49),
        'everything before the failing event, nothing after it',
      );
      assert.ok(new Set(seen.map((s) => s.call)).size < 49, 'handed over in batches');
      assert.deepEqual([(await outcomeOf(first, ids[48], 'strict')).status, (await outcomeOf(first, ids[48], 'strict')).attempts], ['done', 1]);
      const failing = await outcomeOf(first, ids[49], 'strict');
      assert.deepEqual([failing.status, failing.error], ['pending', 'not yet']);
      assert.equal((await outcomeOf(first, ids[50], 'strict')).attempts, 0, 'not handed over yet');
      const status = await byName(first, 'strict');
      assert.deepEqual([status.cursor, status.failures], [await first.hookd.store.seqOf(ids[48]), 1], 'the cursor on the last done event');
    } finally {
      await first.hookd.close();
    }

    fs.writeFileSync(gate, '');
    const second = await startIn(dir, config);
    try {
      await caughtUp(second.hookd, 'strict', ids[99]);
      const seen = records(out);
      assert.deepEqual(
        seen.map((s) => s.id),
        ids,
        'each event once, in receipt order',
      );
      const after = seen.slice(49);
      assert.notEqual(after[0].call, after[1].call, 'the failing event is retried alone');
      assert.ok(new Set(after.map((s) => s.call)).size < 51, 'the rest in batches');
      assert.deepEqual([(await outcomeOf(second, ids[49], 'strict')).status, (await outcomeOf(second, ids[49], 'strict')).attempts], ['done', 2]);
      assert.deepEqual([(await outcomeOf(second, ids[99], 'strict')).status, (await outcomeOf(second, ids[99], 'strict')).attempts], ['done', 1]);
    } finally {
      await second.hookd.close();
    }
  });

  it('a timeout mid-batch aborts that event (ctx.signal), runs none after it, replaces the hung thread and retries it before the rest', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'seen.txt');
    const aborted = path.join(dir, 'aborted.txt');
    // Build 5's first attempt never settles, whatever its signal says.
    const hang = `if (event.payload.build_id === 5 && ctx.attempt === 1) {
      ctx.signal.addEventListener('abort', () => fs.appendFileSync(${JSON.stringify(aborted)}, event.id + ' ' + ctx.signal.reason.name + '\\n'));
      await new Promise(() => {});
    }`;
    writePlugin(dir, 'hang.mjs', recorderPlugin(out, { before: hang }));
    const r = await startIn(dir, testConfig({ plugins: { timeoutMs: 300, attempts: 3, backoffMs: 20 } }));
    try {
      const ids = await backlog(r, 'hang', 10);
      await r.hookd.dispatcher.enable('hang');
      await caughtUp(r.hookd, 'hang', ids[9]);
      const seen = records(out);
      assert.deepEqual(
        seen.map((s) => s.id),
        ids,
        'each once, in receipt order: none after the hung one ran before its retry',
      );
      assert.ok(
        seen.slice(0, 4).every((s) => s.call === seen[0].call),
        'builds 1-4 came in one call',
      );
      assert.notEqual(seen[4].call.split('.')[0], seen[0].call.split('.')[0], 'the retry ran on a fresh thread');
      assert.deepEqual(lines(aborted), [`${ids[4]} TimeoutError`]);
      const timedOut = await outcomeOf(r, ids[4], 'hang');
      assert.deepEqual([timedOut.status, timedOut.attempts], ['done', 2]);
      assert.deepEqual([(await outcomeOf(r, ids[3], 'hang')).attempts, (await outcomeOf(r, ids[5], 'hang')).attempts], [1, 1]);
      assert.equal((await byName(r, 'hang')).lastError, 'timed out after 300 ms');
    } finally {
      await r.hookd.close();
    }
  });

  it('a hot reload mid-batch: the events the old code finished stay done, the one in flight and the rest go to the new code, in order', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'seen.txt');
    const stuck = path.join(dir, 'stuck.txt');
    writePlugin(
      dir,
      'notify.mjs',
      recorderPlugin(out, {
        before: `if (event.payload.build_id === 5) { fs.appendFileSync(${JSON.stringify(stuck)}, event.id + '\\n'); await new Promise(() => {}); }`,
      }),
    );
    const r = await startIn(dir, testConfig({ plugins: { timeoutMs: 20_000 } }));
    try {
      const ids = await backlog(r, 'notify', 10);
      await r.hookd.dispatcher.enable('notify');
      await waitFor(async () => lines(stuck).length === 1, 'the old code to be stuck on build 5');
      const before = records(out);
      assert.deepEqual(
        before.map((s) => s.id),
        ids.slice(0, 4),
      );
      assert.ok(
        before.every((s) => s.call === before[0].call),
        'builds 1-5 were one call',
      );

      writePlugin(dir, 'notify.mjs', recorderPlugin(out, { tag: 'v2' }));
      await caughtUp(r.hookd, 'notify', ids[9]);
      const seen = records(out);
      assert.deepEqual(
        seen.map((s) => [s.tag, s.id]),
        [...ids.slice(0, 4).map((id) => ['v1', id]), ...ids.slice(4).map((id) => ['v2', id])],
      );
      assert.deepEqual(lines(stuck), [ids[4]]);
      for (const id of ids)
        assert.deepEqual(
          [(await outcomeOf(r, id, 'notify')).status, (await outcomeOf(r, id, 'notify')).attempts],
          ['done', 1],
          'an abandoned call is not an attempt',
        );
    } finally {
      await r.hookd.close();
    }
  });
});
