// README → Senders; What the sender gets back; Schemas and issue 3 end to end: a real receiver on loopback with a real SQLite file — each
// sender's realistic payload accepted and a broken one quarantined with the right paths, a
// malformed Iglu URI, a registry that hangs (503 before the ack deadline), and the worked example:
// the seed's older Factotum sample quarantined, then released by `hookd events revalidate` once a
// user registry with the older schema variant is configured ahead of the embedded one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import YAML from 'yaml';
import { baseConfig, post, pythonJsonDumps, repoRoot, signedHeaders, startReceiver, storedEvent, tempDir } from './helpers/hookd.js';
import { runHookd as hookd } from './helpers/cli.js';
import type { AddressInfo, Socket } from 'node:net';
import type { Posted, Receiver } from './helpers/hookd.js';
import type { ValidationIssue } from '../dist/iglu/index.js';
import type { RevalidatedEvent, RevalidateSummary } from '../dist/ingest/revalidate.js';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'iglu');
const fixtureBytes = (rel: string): Buffer => fs.readFileSync(path.join(fixtures, rel));
/** A JSON fixture, as the shape the test reads and changes (the rest of it is left as it is). */
const fixtureJson = <T = Record<string, unknown>>(rel: string): T => JSON.parse(fixtureBytes(rel).toString('utf8')) as T;

/** The parts of the fixtures that the tests change. */
interface FactotumTaskUpdate {
  data: { taskStates: { state: string; [key: string]: unknown }[]; jobName?: string; [key: string]: unknown };
  [key: string]: unknown;
}
interface AuroraTaskStateChange {
  task: { assignedTask: { instanceId: number; [key: string]: unknown }; [key: string]: unknown };
  oldState?: unknown;
  [key: string]: unknown;
}
interface ShotgridDelivery {
  data: { delivery_id: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A stored event that must be there. */
const FACTOTUM_TOKEN = 'factotum-token-not-real';
const JOBSERV_SECRET = 'jobserv-secret-not-real';
const HKUBE_TOKEN = 'hkube-token-not-real';
const AURORA_TOKEN = 'aurora-token-not-real';
const SG_SECRET = 'shotgrid-token-not-real';
const FACTOTUM_JOB = 'iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1-0-0';
const FACTOTUM_TASK = 'iglu:com.snowplowanalytics.factotum/task_update/jsonschema/1-0-0';

const SOURCES = {
  factotum: { kind: 'iglu', token: FACTOTUM_TOKEN },
  foundries: { kind: 'jobserv', secret: JOBSERV_SECRET },
  hkube: { kind: 'hkube', token: HKUBE_TOKEN },
  aurora: { kind: 'aurora', token: AURORA_TOKEN },
  shotgrid: { kind: 'shotgrid', secret: SG_SECRET },
};

/** Factotum cannot set headers: its webhook URL carries the token, its body is compact JSON. */
const factotumHeaders = { 'content-type': 'application/json; charset=utf-8' };

/** Factotum's own sample (from the seed documents hookd was designed from), byte for byte as the Iglu developer extracted it. */
const SEED_000 = fixtureBytes('seeds/000-factotum-job-update.json');

/** Writes the Snowplow resolver config of the worked example: the older variant ahead of the embedded registry. */
function addLegacyRegistry(dir: string): void {
  fs.cpSync(path.join(fixtures, 'user-registry'), path.join(dir, 'iglu-legacy'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'resolver.json'),
    JSON.stringify(
      {
        schema: 'iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-3',
        data: {
          cacheSize: 500,
          cacheTtl: 600,
          repositories: [
            { name: 'factotum legacy', priority: 0, vendorPrefixes: ['com.snowplowanalytics.factotum'], connection: { embedded: { path: './iglu-legacy' } } },
          ],
        },
      },
      null,
      2,
    ),
  );
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;
async function waitFor<T>(what: string, fn: () => T | Promise<T>, ms = 10_000): Promise<Truthy<T>> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value as Truthy<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `events revalidate --json`: a line per event checked, then the summary (exactly one, last). */
function revalidated(stdout: string): { events: RevalidatedEvent[]; summary: RevalidateSummary } {
  const events: RevalidatedEvent[] = [];
  let summary: RevalidateSummary | undefined;
  for (const l of stdout.trim().split('\n')) {
    const line = JSON.parse(l) as RevalidatedEvent | { summary: RevalidateSummary };
    assert.equal(summary, undefined, `nothing after the summary: ${stdout}`);
    if ('summary' in line) summary = line.summary;
    else events.push(line);
  }
  assert.ok(summary, `a summary: ${stdout}`);
  return { events, summary };
}

/** hookd.yaml as the receiver wrote it. */
const readConfig = (dir: string): Record<string, unknown> => YAML.parse(fs.readFileSync(path.join(dir, 'hookd.yaml'), 'utf8')) as Record<string, unknown>;

describe('the worked example: the seed Factotum sample is quarantined, then released by revalidate (issue 3 point 7)', () => {
  let r: Receiver;
  let dir: string;
  let seen: string;
  let quarantinedId: string;
  const hook = () => `${r.url}/hooks/factotum?token=${FACTOTUM_TOKEN}`;

  before(async () => {
    dir = tempDir('hookd-iglu-e2e-');
    seen = path.join(dir, 'seen.jsonl');
    fs.mkdirSync(path.join(dir, 'plugins'));
    // A plugin that writes down every event it is handed, with the schema it carries.
    fs.writeFileSync(
      path.join(dir, 'plugins', 'record.mjs'),
      `import fs from 'node:fs';
export default {
  match: { source: 'factotum' },
  handle(event) { fs.appendFileSync(${JSON.stringify(seen)}, JSON.stringify({ id: event.id, schema: event.schema, runState: event.payload.data.runState }) + '\\n'); },
};
`,
    );
    r = await startReceiver(baseConfig({ sources: SOURCES }), { dir });
  });
  after(() => r.hookd.close());

  it('answers 422 naming exactly what differs: tags, applicationContext.name, runState and the task states', async () => {
    const res = await post(hook(), SEED_000, factotumHeaders);
    assert.equal(res.status, 422);
    assert.equal(res.json.status, 'quarantined');
    assert.match(res.json.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    quarantinedId = res.json.id;
    const allowedTask = 'must be equal to one of the allowed values: RUNNING, WAITING, SUCCEEDED, SUCCEEDED_NO_OP, FAILED, SKIPPED';
    assert.deepEqual(res.json.errors, [
      { path: '', message: "must have required property 'tags'" },
      { path: '/applicationContext', message: "must have required property 'name'" },
      { path: '/runState', message: 'must be equal to one of the allowed values: RUNNING, WAITING, SUCCEEDED, FAILED' },
      { path: '/taskStates/0/state', message: allowedTask },
      { path: '/taskStates/1/state', message: allowedTask },
      { path: '/taskStates/2/state', message: allowedTask },
    ]);
  });

  it('keeps it as quarantined with its schema and errors, and a resend gets the same 422 and id', async () => {
    const stored = await storedEvent(r, quarantinedId);
    assert.equal(stored.status, 'quarantined');
    assert.equal(stored.schema, FACTOTUM_JOB);
    assert.equal(stored.errors?.length, 6);
    assert.ok(stored.body.equals(SEED_000), 'the exact bytes are kept');
    const again = await post(hook(), SEED_000, factotumHeaders);
    assert.equal(again.status, 422);
    assert.equal(again.json.id, quarantinedId);
    assert.deepEqual(again.json.errors, stored.errors);
  });

  it('revalidate with the schemas unchanged leaves it quarantined (exit 0)', async () => {
    const res = await hookd(['events', 'revalidate'], dir);
    assert.equal(res.status, 0, res.stderr);
    assert.match(
      res.stdout,
      new RegExp(`^quarantined  ${quarantinedId}  factotum  ${FACTOTUM_JOB}  \\(root\\): must have required property 'tags' \\(\\+5 more\\)$`, 'm'),
    );
    assert.match(res.stdout, /^checked 1, released 0, still quarantined 1$/m);
    assert.equal((await storedEvent(r, quarantinedId)).status, 'quarantined');
  });

  it('filters select nothing when they do not match the event (--source, --schema pattern)', async () => {
    const bySource = await hookd(['events', 'revalidate', '--source', 'foundries', '--json'], dir);
    assert.equal(bySource.status, 0, bySource.stderr);
    assert.deepEqual(revalidated(bySource.stdout), {
      events: [],
      summary: { checked: 0, released: 0, stillQuarantined: 0, unchecked: 0, registryFailed: false, queued: 0 },
    });
    const bySchema = await hookd(['events', 'revalidate', '--schema', 'iglu:com.snowplowanalytics.factotum/task_update/*', '--json'], dir);
    assert.equal(revalidated(bySchema.stdout).summary.checked, 0);
  });

  it('with the older variant configured ahead of the embedded registry, revalidate accepts it and the plugin receives it', async () => {
    assert.ok(!fs.existsSync(seen) || !fs.readFileSync(seen, 'utf8').includes(quarantinedId), 'a plugin never sees a quarantined event');
    addLegacyRegistry(dir);
    const config = readConfig(dir);
    fs.writeFileSync(path.join(dir, 'hookd.yaml'), YAML.stringify({ ...config, iglu: { resolver: './resolver.json' } }));

    const res = await hookd(['events', 'revalidate', '--source', 'factotum', '--schema', 'iglu:com.snowplowanalytics.factotum/*', '--json'], dir);
    assert.equal(res.status, 0, res.stderr);
    const { events, summary } = revalidated(res.stdout);
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event.id, quarantinedId);
    assert.equal(event.result, 'released');
    assert.equal(event.outcome, 'valid');
    assert.equal(event.schema, FACTOTUM_JOB);
    assert.deepEqual(event.errors, []);
    assert.equal(summary.checked, 1);
    assert.equal(summary.released, 1);
    assert.equal(summary.stillQuarantined, 0);
    assert.ok(summary.queued >= 1, 'queued for the plugin');

    const stored = await storedEvent(r, quarantinedId);
    assert.equal(stored.status, 'accepted');
    assert.equal(stored.schema, FACTOTUM_JOB);
    assert.equal(stored.errors, null);

    const line = await waitFor(
      'the plugin to be handed the released event',
      async () =>
        fs.existsSync(seen) &&
        fs
          .readFileSync(seen, 'utf8')
          .split('\n')
          .find((l) => l.includes(quarantinedId)),
    );
    assert.deepEqual(JSON.parse(line), { id: quarantinedId, schema: FACTOTUM_JOB, runState: 'COMPLETED' });

    const rerun = await hookd(['events', 'revalidate'], dir);
    assert.equal(rerun.status, 0);
    assert.match(rerun.stdout, /^checked 0, released 0, still quarantined 0$/m, 'nothing left in quarantine');
  });

  it('a receiver started with that resolver config accepts the sample outright', async () => {
    const dir2 = tempDir('hookd-iglu-e2e-');
    addLegacyRegistry(dir2);
    const r2 = await startReceiver(baseConfig({ sources: SOURCES, iglu: { resolver: './resolver.json' } }), { dir: dir2 });
    try {
      const res = await post(`${r2.url}/hooks/factotum?token=${FACTOTUM_TOKEN}`, SEED_000, factotumHeaders);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.status, 'accepted');
      assert.equal((await storedEvent(r2, res.json.id)).schema, FACTOTUM_JOB);
      // …and Factotum 0.7's current shape still passes: the legacy registry only holds job_update.
      const task = await post(`${r2.url}/hooks/factotum?token=${FACTOTUM_TOKEN}`, fixtureBytes('factotum-0.7/task-update-running.json'), factotumHeaders);
      assert.equal(task.status, 200, task.text);
    } finally {
      await r2.hookd.close();
    }
  });
});

describe('a realistic payload per sender is accepted; a broken one gets 422 with the right paths', () => {
  let r: Receiver;
  before(async () => {
    r = await startReceiver(baseConfig({ sources: SOURCES }));
  });
  after(() => r.hookd.close());
  const url = (source: string, query = ''): string => `${r.url}/hooks/${source}${query}`;

  /** Posts, checks the answer and what was stored; answers the parsed 422 errors for broken payloads. */
  async function expectAccepted(res: Posted, schema: string): Promise<void> {
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.status, 'accepted');
    const stored = await storedEvent(r, res.json.id);
    assert.equal(stored.status, 'accepted');
    assert.equal(stored.schema, schema);
    assert.equal(stored.errors, null);
  }
  async function expectQuarantined(res: Posted, schema: string, paths: string[]): Promise<void> {
    assert.equal(res.status, 422, res.text);
    assert.equal(res.json.status, 'quarantined');
    const errors = res.json.errors as ValidationIssue[];
    assert.deepEqual(errors.map((e) => e.path).sort(), [...paths].sort(), JSON.stringify(errors));
    for (const e of errors) assert.ok(e.message.length > 0);
    const stored = await storedEvent(r, res.json.id);
    assert.equal(stored.status, 'quarantined');
    assert.equal(stored.schema, schema);
  }

  it('Factotum 0.7 job_update and task_update (compact, sorted keys, charset=utf-8, ?token=)', async () => {
    for (const [file, schema] of [
      ['factotum-0.7/job-update-started.json', FACTOTUM_JOB],
      ['factotum-0.7/job-update-succeeded.json', FACTOTUM_JOB],
      ['factotum-0.7/job-update-failed.json', FACTOTUM_JOB],
      ['factotum-0.7/task-update-running.json', FACTOTUM_TASK],
      ['factotum-0.7/task-update-noop-skip.json', FACTOTUM_TASK],
    ]) {
      await expectAccepted(await post(url('factotum', `?token=${FACTOTUM_TOKEN}`), fixtureBytes(file), factotumHeaders), schema);
    }
    const task = fixtureJson<FactotumTaskUpdate>('factotum-0.7/task-update-running.json');
    task.data.taskStates[0].state = 'DONE';
    delete task.data.jobName;
    await expectQuarantined(await post(url('factotum', `?token=${FACTOTUM_TOKEN}`), JSON.stringify(task), factotumHeaders), FACTOTUM_TASK, [
      '',
      '/taskStates/0/state',
    ]);
  });

  it('JobServ: the seed build payload as JobServ serialises and signs it', async () => {
    const build = fixtureJson('seeds/004-jobserv-build.json');
    const body = pythonJsonDumps(build);
    await expectAccepted(
      await post(url('foundries'), body, signedHeaders('jobserv', JOBSERV_SECRET, body)),
      'iglu:dev.hookd.jobserv/build_complete/jsonschema/1-0-0',
    );
    const broken = pythonJsonDumps({ ...build, status: 'DONE', build_id: '67' });
    await expectQuarantined(
      await post(url('foundries'), broken, signedHeaders('jobserv', JOBSERV_SECRET, broken)),
      'iglu:dev.hookd.jobserv/build_complete/jsonschema/1-0-0',
      ['/status', '/build_id'],
    );
  });

  it('HKube: progress (by its level) and result, with a bearer token', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${HKUBE_TOKEN}` };
    const PROGRESS = 'iglu:dev.hookd.hkube/progress/jsonschema/1-0-0';
    const RESULT = 'iglu:dev.hookd.hkube/result/jsonschema/1-0-0';
    await expectAccepted(await post(url('hkube'), fixtureBytes('seeds/001-hkube-progress.json'), headers), PROGRESS);
    await expectAccepted(await post(url('hkube'), fixtureBytes('seeds/001-hkube-progress-debug.json'), headers), PROGRESS);
    await expectAccepted(await post(url('hkube'), fixtureBytes('seeds/001-hkube-result.json'), headers), RESULT);
    const progress = { ...fixtureJson('seeds/001-hkube-progress.json'), level: 'loud' };
    await expectQuarantined(await post(url('hkube'), JSON.stringify(progress), headers), PROGRESS, ['/level']);
    const { status: _status, ...result } = { ...fixtureJson<{ status: string; [key: string]: unknown }>('seeds/001-hkube-result.json'), data: 'done' };
    await expectQuarantined(await post(url('hkube'), JSON.stringify(result), headers), RESULT, ['', '/data']);
  });

  it("Aurora: the seed task state change with Aurora's vnd.kafka content type, Timestamp header and header token", async () => {
    const headers = { 'content-type': 'application/vnd.kafka.json.v1+json', timestamp: '1464992060258', 'x-hookd-token': AURORA_TOKEN };
    const SCHEMA = 'iglu:dev.hookd.aurora/task_state_change/jsonschema/1-0-0';
    await expectAccepted(await post(url('aurora'), fixtureBytes('seeds/002-aurora-task-state-change.json'), headers), SCHEMA);
    const change = fixtureJson<AuroraTaskStateChange>('seeds/002-aurora-task-state-change.json');
    change.task.assignedTask.instanceId = -1;
    delete change.oldState;
    await expectQuarantined(await post(url('aurora'), JSON.stringify(change), headers), SCHEMA, ['', '/task/assignedTask/instanceId']);
  });

  it('ShotGrid: a single event delivery, signed', async () => {
    const SCHEMA = 'iglu:dev.hookd.shotgrid/event_delivery/jsonschema/1-0-0';
    const delivery = fixtureJson<ShotgridDelivery>('shotgrid-delivery.json');
    const body = JSON.stringify(delivery);
    await expectAccepted(
      await post(url('shotgrid'), body, signedHeaders('shotgrid', SG_SECRET, body, { 'x-sg-delivery-id': delivery.data.delivery_id })),
      SCHEMA,
    );
    const broken = JSON.stringify({ ...delivery, data: { ...delivery.data, delivery_id: 'broken-1', entity: { type: 'Asset', id: '1419' }, operation: '' } });
    await expectQuarantined(await post(url('shotgrid'), broken, signedHeaders('shotgrid', SG_SECRET, broken, { 'x-sg-delivery-id': 'broken-1' })), SCHEMA, [
      '/data/entity/id',
      '/data/operation',
    ]);
  });

  it('a malformed self-describing URI is a 422 that says so (kept, with no schema)', async () => {
    const body = JSON.stringify({ schema: 'iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1.0.0', data: {} });
    const res = await post(url('factotum', `?token=${FACTOTUM_TOKEN}`), body, factotumHeaders);
    assert.equal(res.status, 422);
    assert.equal(res.json.errors.length, 1);
    assert.equal(res.json.errors[0].path, '/schema');
    assert.match(res.json.errors[0].message, /schema URI .*1\.0\.0.* is not SchemaVer/);
    const stored = await storedEvent(r, res.json.id);
    assert.equal(stored.status, 'quarantined');
    assert.equal(stored.schema, null);
  });

  it('a schema no registry has is a 422 naming it, kept for a later revalidate', async () => {
    const body = JSON.stringify({ schema: 'iglu:com.acme/deploy/jsonschema/1-0-0', data: {} });
    const res = await post(url('factotum', `?token=${FACTOTUM_TOKEN}`), body, factotumHeaders);
    assert.equal(res.status, 422);
    assert.deepEqual(
      (res.json.errors as ValidationIssue[]).map((e) => e.path),
      ['/schema'],
    );
    assert.match(res.json.errors[0].message, /iglu:com\.acme\/deploy\/jsonschema\/1-0-0 not found in any registry/);
    assert.equal((await storedEvent(r, res.json.id)).schema, 'iglu:com.acme/deploy/jsonschema/1-0-0');
  });
});

describe('a static registry that hangs', () => {
  let registry: http.Server;
  let r: Receiver;
  const sockets = new Set<Socket>();
  before(async () => {
    // Accepts the connection, never answers.
    registry = http.createServer(() => {});
    registry.on('connection', (s) => sockets.add(s));
    await new Promise<void>((ok) => registry.listen(0, '127.0.0.1', ok));
    const dir = tempDir('hookd-iglu-hang-');
    fs.writeFileSync(
      path.join(dir, 'resolver.json'),
      JSON.stringify({
        schema: 'iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-2',
        data: {
          cacheSize: 100,
          repositories: [
            {
              name: 'acme registry',
              priority: 0,
              vendorPrefixes: ['com.acme'],
              connection: { http: { uri: `http://127.0.0.1:${(registry.address() as AddressInfo).port}` } },
            },
          ],
        },
      }),
    );
    r = await startReceiver(baseConfig({ server: { ackDeadlineMs: 800 }, sources: SOURCES, iglu: { resolver: './resolver.json' } }), { dir });
  });
  after(async () => {
    await r.hookd.close();
    for (const s of sockets) s.destroy();
    registry.close();
  });

  it('answers 503 with Retry-After within the ack deadline and stores nothing', async () => {
    const before = await r.hookd.store.countEvents();
    const body = JSON.stringify({ schema: 'iglu:com.acme/deploy/jsonschema/1-0-0', data: { ok: true } });
    const started = Date.now();
    const res = await post(`${r.url}/hooks/factotum?token=${FACTOTUM_TOKEN}`, body, factotumHeaders);
    const elapsed = Date.now() - started;
    assert.equal(res.status, 503, res.text);
    assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(res.json.code, 'registry_unavailable');
    assert.ok(elapsed < 800 + 200, `answered after ${elapsed} ms; the ack deadline is 800 ms`);
    assert.equal(await r.hookd.store.countEvents(), before, 'a 503 means the sender retries: nothing stored');
  });
});

describe('revalidate when a registry is down, then serves the schema', () => {
  let registry: http.Server;
  let mode: 'fail' | 'serve' = 'fail';
  let r: Receiver;
  let dir: string;
  before(async () => {
    registry = http.createServer((req, res) => {
      if (mode === 'fail') return res.writeHead(500).end('down');
      if (req.url === '/schemas/com.acme/deploy/jsonschema/1-0-0') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({ self: { vendor: 'com.acme', name: 'deploy', format: 'jsonschema', version: '1-0-0' }, type: 'object', required: ['app'] }),
        );
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((ok) => registry.listen(0, '127.0.0.1', ok));
    dir = tempDir('hookd-iglu-outage-');
    r = await startReceiver(baseConfig({ sources: SOURCES }), { dir });
  });
  after(async () => {
    await r.hookd.close();
    registry.close();
  });

  it('leaves events unchecked and exits 1 while the registry fails; releases them once it answers', async () => {
    const good = await post(
      `${r.url}/hooks/factotum?token=${FACTOTUM_TOKEN}`,
      JSON.stringify({ schema: 'iglu:com.acme/deploy/jsonschema/1-0-0', data: { app: 'web' } }),
      factotumHeaders,
    );
    const bad = await post(
      `${r.url}/hooks/factotum?token=${FACTOTUM_TOKEN}`,
      JSON.stringify({ schema: 'iglu:com.acme/deploy/jsonschema/1-0-0', data: { version: 3 } }),
      factotumHeaders,
    );
    assert.equal(good.status, 422, 'no registry has com.acme yet');
    assert.equal(bad.status, 422);

    fs.writeFileSync(
      path.join(dir, 'resolver.json'),
      JSON.stringify({
        schema: 'iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-1',
        data: {
          cacheSize: 10,
          repositories: [
            {
              name: 'acme registry',
              priority: 0,
              vendorPrefixes: ['com.acme'],
              connection: { http: { uri: `http://127.0.0.1:${(registry.address() as AddressInfo).port}` } },
            },
          ],
        },
      }),
    );
    const config = readConfig(dir);
    fs.writeFileSync(path.join(dir, 'hookd.yaml'), YAML.stringify({ ...config, iglu: { resolver: './resolver.json' } }));

    const down = await hookd(['events', 'revalidate', '--json'], dir);
    assert.equal(down.status, 1, down.stdout + down.stderr);
    assert.match(down.stderr, /acme registry/);
    const { events, summary } = revalidated(down.stdout);
    assert.deepEqual(
      events.map((e) => [e.result, e.reason?.code]),
      [
        ['unchecked', 'registry_unavailable'],
        ['unchecked', 'registry_unavailable'],
      ],
    );
    assert.deepEqual(summary, { checked: 0, released: 0, stillQuarantined: 0, unchecked: 2, registryFailed: true, queued: 0 });
    assert.match((await storedEvent(r, good.json.id)).errors?.[0]?.message ?? '', /not found in any registry/, 'left as it was');

    mode = 'serve';
    const up = await hookd(['events', 'revalidate'], dir);
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, new RegExp(`^released {5}${good.json.id}  factotum  iglu:com\\.acme/deploy/jsonschema/1-0-0$`, 'm'));
    assert.match(
      up.stdout,
      new RegExp(`^quarantined  ${bad.json.id}  factotum  iglu:com\\.acme/deploy/jsonschema/1-0-0  \\(root\\): must have required property 'app'$`, 'm'),
    );
    assert.match(up.stdout, /^checked 2, released 1 \(0 plugin deliveries queued\), still quarantined 1$/m);
    assert.equal((await storedEvent(r, good.json.id)).status, 'accepted');
    const still = await storedEvent(r, bad.json.id);
    assert.equal(still.status, 'quarantined');
    assert.deepEqual(still.errors, [{ path: '', message: "must have required property 'app'" }], 'errors updated to the current ones');
  });
});
