// Issue 12, point 7: three receivers on one PostgreSQL database behind a (client-side) round robin.
// (1) One replica is killed with SIGKILL mid-load: every 200 is stored exactly once, the plugin sees
// every event in receipt order (at least once) and moves to another replica within 5 s.
// (2) PostgreSQL itself is restarted mid-load: only 503s while it is down, never a 200 for
// something not committed, and the receivers resume by themselves.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropSchema, newSchema, pgQuery, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { freshBuild, post, receiverDir, start } from './support.js';
import type { Child, Setup } from './support.js';

const REPLICAS = 3;
const CLIENTS = 12;
const LEASE_MS = 3000;

/** One line of the shared plugin log: which event, when the handler started, in which replica (pid). */
interface Start {
  id: string;
  startedAt: number;
  pid: number;
}

function pluginStarts(file: string): Start[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, , startedAt, pid] = l.split(' ');
      return { id, startedAt: Number(startedAt), pid: Number(pid) };
    });
}

/** Three receivers on one schema, writing their plugin starts to one file. */
interface Replica {
  setup: Setup;
  hookd: Child;
}

async function startReplicas(schema: string): Promise<{ replicas: Replica[]; pluginLog: string }> {
  const first = receiverDir({
    prefix: 'hookd-fault-replicas-',
    plugin: true,
    server: { rateLimit: false, ackDeadlineMs: 2000 },
    storage: { postgres: { url: TEST_DATABASE_URL, schema, leaseMs: LEASE_MS, poolSize: 4 } },
  });
  const replicas: Replica[] = [];
  for (let i = 0; i < REPLICAS; i++) {
    // Each replica its own dir (config, data dir for generated secrets, log), one plugin log for all.
    const setup = i === 0 ? first : { ...first, dir: fs.mkdtempSync(path.join(first.dir, `replica-${i}-`)) };
    if (i > 0) {
      fs.cpSync(path.join(first.dir, 'plugins'), path.join(setup.dir, 'plugins'), { recursive: true });
      setup.dataDir = path.join(setup.dir, 'data');
    }
    replicas.push({ setup, hookd: await start(setup) });
  }
  return { replicas, pluginLog: first.pluginLog };
}

/** One webhook the load sent, and what came back (a status, or the error that cut it). */
interface Sent {
  at: number;
  url: string;
  body: Buffer;
  headers: Record<string, string>;
  status: number | undefined;
  id: string | undefined;
  error: NodeJS.ErrnoException | undefined;
}

/** Sends fresh signed builds round robin until stopped; every answer is kept with what was sent. */
function load(urls: () => string[]): { answers: Sent[]; stop(): Promise<void> } {
  const answers: Sent[] = [];
  let running = true;
  let n = 0;
  const client = async () => {
    while (running) {
      const live = urls();
      const url = live[n++ % live.length];
      const { body, headers } = freshBuild();
      const res = await post(url, body, headers, { timeoutMs: 10_000 });
      answers.push({ at: Date.now(), url, body, headers, status: res.status, id: res.json?.id, error: res.error });
      // A sender's pause before its next try after a refusal, so a down store is not hammered.
      if (res.status !== 200) await sleep(20);
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}

async function stored(schema: string): Promise<Map<string, number>> {
  // seq is a bigint: pg hands it over as a string.
  const rows = await pgQuery<{ id: string; seq: string }>(`SELECT id, seq FROM "${schema}".events`);
  return new Map(rows.map((r) => [r.id, Number(r.seq)]));
}

/** No event is started for the first time after a later one (by seq) was: receipt order, at least once. */
function firstStartsOutOfOrder(starts: Start[], seqOf: Map<string, number>): { id: string; seq: number; after: number }[] {
  const seen = new Set<string>();
  let highest = 0;
  const wrong: { id: string; seq: number; after: number }[] = [];
  for (const s of starts) {
    const seq = seqOf.get(s.id);
    // Unchecked, an id missing from the store made `highest` NaN and silenced every later comparison.
    assert.ok(seq !== undefined, `the plugin started ${s.id}, which is not in the store`);
    if (seen.has(s.id)) continue;
    seen.add(s.id);
    if (seq < highest) wrong.push({ id: s.id, seq, after: highest });
    highest = Math.max(highest, seq);
  }
  return wrong;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Resends what got no answer (a cut connection), as a sender would, to a live replica. */
async function resend(url: string, answers: Sent[]): Promise<void> {
  for (const a of answers.filter((x) => x.error)) {
    const res = await post(url, a.body, a.headers);
    assert.equal(res.status, 200, `a resend answered ${res.status ?? res.error}`);
    a.status = 200;
    a.id = res.json.id;
    a.error = undefined;
  }
}

describe('several replicas on one PostgreSQL database', () => {
  // A schema per test, so each one's counts are its own.
  let schema: string;
  beforeEach(async () => {
    schema = await newSchema('hookd_fault');
  });
  afterEach(async () => {
    await dropSchema(schema);
  });

  it('SIGKILL of one replica mid-load: every 200 stored once, every event to the plugin in receipt order, plugin failover within 5 s', async (t) => {
    const { replicas, pluginLog } = await startReplicas(schema);
    let alive = replicas.slice();
    try {
      const traffic = load(() => alive.map((r) => r.hookd.url));
      await waitFor('the plugin to run', () => pluginStarts(pluginLog).length > 100, 30_000);
      // Kill the replica that runs the plugin now.
      const startsSoFar = pluginStarts(pluginLog);
      const holderPid = startsSoFar[startsSoFar.length - 1].pid;
      const victim = replicas.find((r) => r.hookd.pid === holderPid);
      assert.ok(victim, `the plugin ran in pid ${holderPid}, none of the replicas`);
      const killedAt = Date.now();
      const { signal } = await victim.hookd.kill();
      assert.equal(signal, 'SIGKILL');
      alive = replicas.filter((r) => r !== victim);
      // Load goes on to the others while the lease expires.
      await waitFor(
        'another replica to take the plugin over',
        () => pluginStarts(pluginLog).some((s) => s.pid !== holderPid && s.startedAt > killedAt),
        15_000,
      );
      const takeover = pluginStarts(pluginLog).find((s) => s.pid !== holderPid && s.startedAt > killedAt);
      assert.ok(takeover, 'the takeover waited for is in the plugin log');
      // The point: a second more of load on the replicas left, so events committed after the
      // takeover go through the new holder too (order and exactly-once are checked across it).
      await sleep(1000);
      await traffic.stop();
      await resend(alive[0].hookd.url, traffic.answers);

      // A 200 carries the event id.
      const acked = new Set(traffic.answers.filter((a) => a.status === 200).map((a) => a.id as string));
      const others = traffic.answers.filter((a) => a.status !== 200).map((a) => a.status);
      const seqOf = await stored(schema);
      await waitFor(
        'the plugin to catch up',
        () => {
          const seen = new Set(pluginStarts(pluginLog).map((s) => s.id));
          return [...acked].every((id) => seen.has(id));
        },
        60_000,
      );
      const starts = pluginStarts(pluginLog);
      const failoverMs = takeover.startedAt - killedAt;
      t.diagnostic(
        `acknowledged ${acked.size} events over ${REPLICAS} replicas; stored ${seqOf.size}; plugin starts ${starts.length}; failover ${failoverMs.toFixed(0)} ms; other answers ${JSON.stringify(others)}`,
      );
      assert.deepEqual(
        [...acked].filter((id) => !seqOf.has(id)),
        [],
        'acknowledged events missing from the store',
      );
      assert.equal(seqOf.size, acked.size, 'every stored event was acknowledged once (no body stored twice)');
      assert.deepEqual(others, [], 'only 200s or cut connections');
      assert.deepEqual(firstStartsOutOfOrder(starts, seqOf), [], 'an event first handed to the plugin after a later one');
      assert.ok(failoverMs <= 5000, `the plugin moved to another replica after ${failoverMs} ms`);
    } finally {
      await Promise.all(alive.map((r) => r.hookd.stop()));
    }
  });

  it('PostgreSQL restarted mid-load: only 503s while it is down, no 200 for anything not committed, service resumes by itself', async (t) => {
    const { replicas, pluginLog } = await startReplicas(schema);
    try {
      const traffic = load(() => replicas.map((r) => r.hookd.url));
      // The point: PostgreSQL goes down mid-load, with the replicas busy committing.
      await sleep(1500);
      const downAt = Date.now();
      pgctl('stop');
      // The point: two seconds of load against a database that is down (the window for the 503s).
      await sleep(2000);
      pgctl('start');
      const upAt = Date.now();
      // Resumes by itself: 200s again after the restart, from every replica.
      await waitFor(
        'every replica to answer 200 again',
        () => replicas.every((r) => traffic.answers.some((a) => a.at > upAt && a.status === 200 && a.url === r.hookd.url)),
        30_000,
      );
      // The point: a second more of load once every replica is back, before the counts are taken.
      await sleep(1000);
      await traffic.stop();

      const statuses: Record<string, number> = {};
      for (const a of traffic.answers) statuses[a.status ?? 'error'] = (statuses[a.status ?? 'error'] ?? 0) + 1;
      // A 200 carries the event id.
      const acked = new Set(traffic.answers.filter((a) => a.status === 200).map((a) => a.id as string));
      const seqOf = await stored(schema);
      t.diagnostic(`answers ${JSON.stringify(statuses)}; down for ${upAt - downAt} ms; stored ${seqOf.size}`);
      assert.deepEqual(
        Object.keys(statuses).filter((s) => s !== '200' && s !== '503'),
        [],
        'only 200 and 503 answers',
      );
      assert.ok(statuses[503] > 0, 'requests while the database was down were answered 503');
      assert.deepEqual(
        [...acked].filter((id) => !seqOf.has(id)),
        [],
        'a 200 for an event that was never committed',
      );
      await waitFor(
        'the plugin to catch up after the restart',
        () => {
          const seen = new Set(pluginStarts(pluginLog).map((s) => s.id));
          return [...acked].every((id) => seen.has(id));
        },
        60_000,
      );
    } finally {
      pgctl('start');
      await Promise.all(replicas.map((r) => r.hookd.stop()));
    }
  });
});

/** The machine's cluster, as .ci/run starts it (root runs pg_ctlcluster, which becomes postgres). */
function pgctl(action: 'start' | 'stop'): void {
  const version = fs.readdirSync('/etc/postgresql')[0];
  try {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])], { stdio: 'pipe' });
  } catch (err) {
    // `start` of a running cluster exits 2 ("Cluster is already running."): that is the state wanted.
    // (execFileSync's error carries the child's output as Buffers.)
    const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
    if (!(action === 'start' && /already running/i.test(`${String(stdout)}${String(stderr)}`))) throw err;
  }
}
