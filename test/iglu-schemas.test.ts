// The embedded registry's schemas against every seed sample and what each sender really sends
// (README → Senders; Schemas, issue 3 items 3, 4 and 7).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSchemaService, HOOKD_REGISTRY, MAX_ISSUES, MAX_MESSAGE_CHARS, parseIgluUri } from '../dist/iglu/index.js';
import { SCHEMAS } from '../dist/senders/kinds.js';
import type { SchemaVerdict } from '../dist/iglu/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures', 'iglu');
const registryDir = path.join(here, '..', 'registry', 'schemas');
/** A JSON fixture, as the shape the test reads and changes (the rest of it is left as it is). */
const fixture = async <T = Record<string, unknown>>(name: string): Promise<T> => JSON.parse(await readFile(path.join(fixtures, name), 'utf8')) as T;
const clone = <T>(value: T): T => structuredClone(value);

/** The parts of the fixtures that the tests read or change. */
interface FactotumUpdate {
  schema: string;
  data: {
    tags?: Record<string, string>;
    applicationContext: { name?: string };
    taskStates: Record<string, unknown>[];
    [key: string]: unknown;
  };
}
interface JobservRun {
  status: string;
  log_url?: string;
  [key: string]: unknown;
}
interface JobservBuild {
  build_id: number | string;
  status: string;
  runs?: JobservRun[];
  [key: string]: unknown;
}
interface AuroraTaskStateChange {
  task: { status: string; assignedTask: { taskId?: string; [key: string]: unknown }; [key: string]: unknown };
  oldState?: { value: string } | null;
  [key: string]: unknown;
}
interface ShotgridDelivery {
  data: {
    project: unknown;
    session_uuid: string | null;
    delivery_id?: string;
    meta?: unknown;
    event_type?: string;
    entity: { type: string; id: number | string };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

const service = await createSchemaService({});
const FACTOTUM_JOB = 'iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1-0-0';
const FACTOTUM_TASK = 'iglu:com.snowplowanalytics.factotum/task_update/jsonschema/1-0-0';

function assertValid(verdict: SchemaVerdict, what: string): void {
  assert.deepEqual(verdict.errors, [], `${what}: ${JSON.stringify(verdict.errors)}`);
  assert.equal(verdict.outcome, 'valid');
}
const paths = (verdict: SchemaVerdict): string[] => verdict.errors.map((e) => e.path);
const find = (verdict: SchemaVerdict, p: string, pattern: RegExp) => verdict.errors.find((e) => e.path === p && pattern.test(e.message));

describe('the embedded registry', () => {
  it('has a schema for every preset, each a draft-04 schema whose self block matches its path', async () => {
    const files: { uri: string; vendor: string; name: string; format: string; version: string }[] = [];
    for (const vendor of await readdir(registryDir)) {
      for (const name of await readdir(path.join(registryDir, vendor))) {
        for (const format of await readdir(path.join(registryDir, vendor, name))) {
          for (const version of await readdir(path.join(registryDir, vendor, name, format))) {
            files.push({ uri: `iglu:${vendor}/${name}/${format}/${version}`, vendor, name, format, version });
          }
        }
      }
    }
    const uris = files.map((f) => f.uri);
    for (const uri of [...Object.values(SCHEMAS), FACTOTUM_JOB, FACTOTUM_TASK]) assert.ok(uris.includes(uri), uri);
    for (const f of files) {
      assert.ok(parseIgluUri(f.uri).ok, f.uri);
      const { repository, schema } = await service.resolve(f.uri);
      assert.equal(repository, HOOKD_REGISTRY);
      assert.deepEqual((schema as { self?: unknown }).self, { vendor: f.vendor, name: f.name, format: f.format, version: f.version }, f.uri);
      // Compiles: a broken schema would answer an error at the root for any payload.
      const verdict = await service.check({}, { uri: f.uri });
      assert.ok(!verdict.errors.some((e) => /not a usable draft-04/.test(e.message)), f.uri);
    }
  });
});

describe('Factotum (self-describing, Iglu Central schemas)', () => {
  for (const name of [
    'job-update-started.json',
    'job-update-succeeded.json',
    'job-update-failed.json',
    'task-update-running.json',
    'task-update-noop-skip.json',
  ]) {
    it(`accepts what Factotum 0.7 sends: ${name}`, async () => {
      const text = await readFile(path.join(fixtures, 'factotum-0.7', name), 'utf8');
      assert.ok(!/\s/.test(text.replace(/"[^"]*"/g, '')), 'compact JSON');
      const payload = JSON.parse(text) as FactotumUpdate;
      const keys = Object.keys(payload.data);
      assert.deepEqual(keys, [...keys].sort(), 'sorted keys');
      assert.ok(payload.data.tags && payload.data.applicationContext.name === 'factotum');
      const verdict = await service.check(payload, 'self-describing');
      assert.equal(verdict.schema, payload.schema);
      assertValid(verdict, name);
    });
  }

  it('rejects the seed sample (Factotum < 0.6: runState COMPLETED, no tags) naming exactly what differs', async () => {
    const verdict = await service.check(await fixture('seeds/000-factotum-job-update.json'), 'self-describing');
    assert.equal(verdict.outcome, 'invalid');
    assert.equal(verdict.schema, FACTOTUM_JOB);
    assert.ok(find(verdict, '', /^must have required property 'tags'$/), 'tags');
    assert.ok(find(verdict, '/applicationContext', /^must have required property 'name'$/), 'applicationContext.name');
    assert.ok(find(verdict, '/runState', /^must be equal to one of the allowed values: RUNNING, WAITING, SUCCEEDED, FAILED$/), 'runState');
    for (const i of [0, 1, 2]) {
      assert.ok(find(verdict, `/taskStates/${i}/state`, /allowed values: RUNNING, WAITING, SUCCEEDED, SUCCEEDED_NO_OP, FAILED, SKIPPED$/), `task ${i}`);
    }
    assert.deepEqual(
      new Set(paths(verdict)),
      new Set(['', '/applicationContext', '/runState', '/taskStates/0/state', '/taskStates/1/state', '/taskStates/2/state']),
    );
  });

  it('task errors are errorMessage: the old error_message is an unknown property', async () => {
    const payload = await fixture<FactotumUpdate>('factotum-0.7/job-update-failed.json');
    payload.data.taskStates[0].error_message = payload.data.taskStates[0].errorMessage;
    delete payload.data.taskStates[0].errorMessage;
    const verdict = await service.check(payload, 'self-describing');
    assert.deepEqual(verdict.errors, [{ path: '/taskStates/0', message: "must NOT have additional properties: 'error_message'" }]);
  });

  it('job_update carries jobTransition and task_update taskTransitions, not the other way round', async () => {
    const job = await fixture<FactotumUpdate>('factotum-0.7/job-update-started.json');
    job.schema = FACTOTUM_TASK;
    const verdict = await service.check(job, 'self-describing');
    assert.deepEqual(verdict.errors, [{ path: '', message: "must NOT have additional properties: 'jobTransition'" }]);
  });

  it('a user registry ahead of the embedded one overrides the schema: the older variant accepts the seed sample', async () => {
    const custom = await createSchemaService({ resolverConfig: path.join(fixtures, 'resolver-user-registry.json') });
    const seed = await fixture('seeds/000-factotum-job-update.json');
    assertValid(await custom.check(seed, 'self-describing'), 'seed 000 under the older schema');
    assert.equal((await custom.resolve(FACTOTUM_JOB)).repository, 'legacy factotum schemas');
    // ...while what Factotum 0.7 sends does not fit the older variant, and task_update still comes from hookd.
    const modern = JSON.parse(await readFile(path.join(fixtures, 'factotum-0.7', 'job-update-succeeded.json'), 'utf8'));
    assert.equal((await custom.check(modern, 'self-describing')).outcome, 'invalid');
    assert.equal((await custom.resolve(FACTOTUM_TASK)).repository, HOOKD_REGISTRY);
  });
});

describe('JobServ build_complete (hookd schema)', () => {
  const uri = { uri: SCHEMAS.jobservBuild };

  it('accepts the seed 004 payload', async () => {
    assertValid(await service.check(await fixture('seeds/004-jobserv-build.json'), uri), 'seed 004');
  });

  it('accepts a detailed payload and the minimal one JobServ can send (optional keys absent, unknown keys kept)', async () => {
    const detailed = await fixture<JobservBuild>('seeds/004-jobserv-build.json');
    Object.assign(detailed, {
      name: 'lmp',
      status_events: [
        { time: '2021-07-26T18:10:33+00:00', status: 'QUEUED' },
        { time: '2021-07-26T18:19:24+00:00', status: 'PASSED' },
      ],
      runs_url: 'https://api.foundries.io/projects/andy-corp/lmp/builds/67/runs/',
      reason: null,
      annotation: 'promoted by ci',
      a_future_key: { any: 'thing' },
    });
    assertValid(await service.check(detailed, uri), 'detailed');
    const minimal = {
      build_id: 1,
      url: 'https://api.foundries.io/projects/p/lmp/builds/1/',
      status: 'QUEUED',
      runs: [
        {
          name: 'build',
          url: 'https://api.foundries.io/projects/p/lmp/builds/1/runs/build/',
          status: 'CANCELLING',
          log_url: 'https://api.foundries.io/projects/p/lmp/builds/1/runs/build/console.log',
        },
      ],
    };
    assertValid(await service.check(minimal, uri), 'minimal');
    for (const status of ['QUEUED', 'RUNNING', 'PASSED', 'FAILED', 'RUNNING_WITH_FAILURES', 'UPLOADING', 'PROMOTED', 'SKIPPED', 'CANCELLING']) {
      assertValid(await service.check({ ...minimal, status }, uri), status);
    }
  });

  it('rejects a bad status at /status, listing the allowed values', async () => {
    const payload = await fixture<JobservBuild>('seeds/004-jobserv-build.json');
    payload.status = 'SUCCESS';
    const verdict = await service.check(payload, uri);
    assert.deepEqual(verdict.errors, [
      {
        path: '/status',
        message: 'must be equal to one of the allowed values: QUEUED, RUNNING, PASSED, FAILED, RUNNING_WITH_FAILURES, UPLOADING, PROMOTED, SKIPPED, CANCELLING',
      },
    ]);
  });

  it('rejects what is always there going missing or mistyped', async () => {
    const payload = await fixture<JobservBuild>('seeds/004-jobserv-build.json');
    delete payload.runs;
    payload.build_id = '67';
    const verdict = await service.check(payload, uri);
    assert.deepEqual(new Set(paths(verdict)), new Set(['', '/build_id']));
    assert.ok(find(verdict, '', /required property 'runs'/));
    assert.ok(find(verdict, '/build_id', /must be integer/));
    const run = await fixture<JobservBuild>('seeds/004-jobserv-build.json');
    assert.ok(run.runs);
    delete run.runs[1].log_url;
    run.runs[2].status = 'DONE';
    const runVerdict = await service.check(run, uri);
    assert.deepEqual(new Set(paths(runVerdict)), new Set(['/runs/1', '/runs/2/status']));
  });
});

describe('HKube progress and result (hookd schemas)', () => {
  it('accepts both seed progress payloads and the seed result', async () => {
    assertValid(await service.check(await fixture('seeds/001-hkube-progress.json'), { uri: SCHEMAS.hkubeProgress }), 'progress');
    assertValid(await service.check(await fixture('seeds/001-hkube-progress-debug.json'), { uri: SCHEMAS.hkubeProgress }), 'progress debug');
    assertValid(await service.check(await fixture('seeds/001-hkube-result.json'), { uri: SCHEMAS.hkubeResult }), 'result');
  });

  it('accepts every documented level, rejects another at /level', async () => {
    const progress = await fixture('seeds/001-hkube-progress.json');
    for (const level of ['trace', 'silly', 'debug', 'info', 'warn', 'warning', 'error', 'critical']) {
      assertValid(await service.check({ ...progress, level }, { uri: SCHEMAS.hkubeProgress }), level);
    }
    const verdict = await service.check({ ...progress, level: 'verbose' }, { uri: SCHEMAS.hkubeProgress });
    assert.deepEqual(paths(verdict), ['/level']);
    assert.match(verdict.errors[0].message, /allowed values: trace, silly, debug, info, warn, warning, error, critical/);
  });

  it('progress needs a level; a result carries an array or an object, and a failed one may carry only an error', async () => {
    const result = await fixture('seeds/001-hkube-result.json');
    const verdict = await service.check(result, { uri: SCHEMAS.hkubeProgress });
    assert.ok(find(verdict, '', /required property 'level'/));
    assertValid(await service.check({ ...result, data: { storageInfo: { path: 'x' } } }, { uri: SCHEMAS.hkubeResult }), 'object data');
    const { data: _data, ...failed } = result;
    assertValid(await service.check({ ...failed, status: 'failed', error: 'node green failed' }, { uri: SCHEMAS.hkubeResult }), 'failed');
    const bad = await service.check({ ...result, data: 'x', timestamp: 'yesterday' }, { uri: SCHEMAS.hkubeResult });
    assert.deepEqual(new Set(paths(bad)), new Set(['/data', '/timestamp']));
  });
});

describe('Aurora task_state_change (hookd schema)', () => {
  const uri = { uri: SCHEMAS.auroraTaskState };

  it('accepts the seed 002 payload and a present old state', async () => {
    const seed = await fixture<AuroraTaskStateChange>('seeds/002-aurora-task-state-change.json');
    assertValid(await service.check(seed, uri), 'seed 002');
    const running = clone(seed);
    running.task.status = 'RUNNING';
    running.oldState = { value: 'STARTING' };
    assertValid(await service.check(running, uri), 'RUNNING');
  });

  it('rejects an unknown task status at /task/status and a task without its assignment', async () => {
    const seed = await fixture<AuroraTaskStateChange>('seeds/002-aurora-task-state-change.json');
    const bad = clone(seed);
    bad.task.status = 'DONE';
    delete bad.task.assignedTask.taskId;
    const verdict = await service.check(bad, uri);
    assert.deepEqual(new Set(paths(verdict)), new Set(['/task/status', '/task/assignedTask']));
    const noOld = clone(seed);
    delete noOld.oldState;
    assert.ok(find(await service.check(noOld, uri), '', /required property 'oldState'/));
  });
});

describe('ShotGrid event_delivery (hookd schema)', () => {
  const uri = { uri: SCHEMAS.shotgridDelivery };

  it('accepts a single delivery, and one with null references', async () => {
    const delivery = await fixture<ShotgridDelivery>('shotgrid-delivery.json');
    assertValid(await service.check(delivery, uri), 'delivery');
    const bare = clone(delivery);
    bare.data.project = null;
    bare.data.session_uuid = null;
    delete bare.data.delivery_id;
    delete bare.data.meta;
    assertValid(await service.check(bare, uri), 'bare');
  });

  it('rejects a delivery without an event type or with a malformed entity', async () => {
    const delivery = await fixture<ShotgridDelivery>('shotgrid-delivery.json');
    delete delivery.data.event_type;
    delivery.data.entity = { type: 'Asset', id: '1419' };
    const verdict = await service.check(delivery, uri);
    assert.deepEqual(new Set(paths(verdict)), new Set(['/data', '/data/entity/id']));
    assert.ok(find(await service.check({ data: {} }, uri), '', /required property 'timestamp'/));
  });
});

describe('draft-04 semantics', () => {
  const config = path.join(fixtures, 'resolver-draft04.json');
  const test = (name: string): { uri: string } => ({ uri: `iglu:dev.hookd.test/${name}/jsonschema/1-0-0` });

  it('exclusiveMinimum is the boolean modifier of minimum', async () => {
    const svc = await createSchemaService({ resolverConfig: config });
    assert.deepEqual((await svc.check({ ratio: 0 }, test('exclusive_minimum'))).errors, [{ path: '/ratio', message: 'must be > 0' }]);
    assertValid(await svc.check({ ratio: 0.5 }, test('exclusive_minimum')), '0.5');
    assertValid(await svc.check({ ratio: 1 }, test('exclusive_minimum')), '1 (exclusiveMaximum: false)');
  });

  it('a numeric exclusiveMinimum (draft-06 style) is an invalid draft-04 schema', async () => {
    const warnings: string[] = [];
    const svc = await createSchemaService({ resolverConfig: config, logger: { warn: (_o, m) => warnings.push(m) } });
    const verdict = await svc.check({ n: 10 }, test('draft06_style'));
    assert.equal(verdict.outcome, 'invalid');
    assert.equal(verdict.errors[0].path, '');
    assert.match(verdict.errors[0].message, /is not a usable draft-04 JSON Schema/);
    assert.ok(verdict.errors[0].message.length <= MAX_MESSAGE_CHARS);
    assert.deepEqual(warnings, ['schema does not compile']);
  });

  it("'id' names the schema and scopes $ref; two Iglu schemas may share an id", async () => {
    const svc = await createSchemaService({ resolverConfig: config });
    assertValid(await svc.check({ count: 2, again: 3 }, test('with_id')), 'with_id');
    const verdict = await svc.check({ count: 0, again: 0 }, test('with_id'));
    assert.deepEqual(verdict.errors, [
      { path: '/count', message: 'must be >= 1' },
      { path: '/again', message: 'must be >= 1' },
    ]);
    assertValid(await svc.check({ name: 'twin' }, test('with_id_twin')), 'twin');
    assert.ok(find(await svc.check({}, test('with_id_twin')), '', /required property 'name'/));
  });
});

describe('validation errors are capped', () => {
  it(`at ${MAX_ISSUES} errors and ${MAX_MESSAGE_CHARS} characters a message`, async () => {
    const payload = await fixture<JobservBuild>('seeds/004-jobserv-build.json');
    payload.runs = Array.from({ length: 30 }, () => ({ status: 'X' }));
    const verdict = await service.check(payload, { uri: SCHEMAS.jobservBuild });
    assert.equal(verdict.errors.length, MAX_ISSUES);
    assert.match(verdict.errors[verdict.errors.length - 1].message, /^and \d+ more errors$/);
    assert.ok(verdict.errors.every((e) => e.message.length <= MAX_MESSAGE_CHARS));
  });
});
