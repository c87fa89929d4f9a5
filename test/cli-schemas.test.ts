// README → CLI, Configuration; Schemas, issue 3 point 6: `hookd schemas resolve|check` — output and exit codes, run as
// a user would (the built bin, a temp cwd with its own hookd.yaml and resolver config).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import YAML from 'yaml';
import { repoRoot, tempDir } from './helpers/hookd.js';
import { runHookd as hookd } from './helpers/cli.js';
import type { AddressInfo } from 'node:net';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'iglu');
const FACTOTUM_JOB = 'iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1-0-0';
const JOBSERV = 'iglu:dev.hookd.jobserv/build_complete/jsonschema/1-0-0';

/** A temp cwd with hookd.yaml and, when repositories are given, a resolver config ahead of the embedded registry. */
function project({ repositories, sources }: { repositories?: unknown[]; sources?: Record<string, unknown> } = {}): string {
  const dir = tempDir('hookd-schemas-');
  const config: Record<string, unknown> = { sources: sources ?? { foundries: { kind: 'jobserv', secret: 'not-a-real-secret' } } };
  if (repositories) {
    fs.writeFileSync(
      path.join(dir, 'resolver.json'),
      JSON.stringify({ schema: 'iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-3', data: { cacheSize: 500, cacheTtl: 600, repositories } }),
    );
    config.iglu = { resolver: './resolver.json' };
  }
  fs.writeFileSync(path.join(dir, 'hookd.yaml'), YAML.stringify(config));
  return dir;
}

function write(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

const fixture = (rel: string): string => path.join(fixtures, rel);
const readFixture = <T>(rel: string): T => JSON.parse(fs.readFileSync(fixture(rel), 'utf8')) as T;
// One JSON value per line of `--json` output; each test reads the fields its command prints.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const jsonLines = (text: string): any[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

/** A static Iglu registry on loopback; `mode` decides how it answers. */
async function staticRegistry(mode: 'ok' | 'fail'): Promise<{ server: http.Server; uri: string }> {
  const server = http.createServer((req, res) => {
    if (mode === 'fail') return res.writeHead(500).end('boom');
    if (req.url === '/schemas/com.acme/thing/jsonschema/1-0-0') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({
          self: { vendor: 'com.acme', name: 'thing', format: 'jsonschema', version: '1-0-0' },
          type: 'object',
          properties: { n: { type: 'integer' } },
          required: ['n'],
        }),
      );
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('hookd schemas resolve', () => {
  let good: { server: http.Server; uri: string };
  let failing: { server: http.Server; uri: string };
  before(async () => {
    good = await staticRegistry('ok');
    failing = await staticRegistry('fail');
  });
  after(() => {
    good.server.close();
    failing.server.close();
  });

  it('names the repository that answered, the lookup order and prints the schema', async () => {
    const res = await hookd(['schemas', 'resolve', FACTOTUM_JOB], project());
    assert.equal(res.status, 0, res.stderr);
    const [uri, found, order, first] = res.stdout.split('\n');
    assert.equal(uri, FACTOTUM_JOB);
    assert.equal(found, 'found in: hookd embedded registry');
    assert.equal(order, 'lookup order:');
    assert.match(first, /^ {2}1\. hookd embedded registry \(embedded: .*registry.*\) {2}<- answered$/);
    const schema = JSON.parse(res.stdout.slice(res.stdout.indexOf('{')));
    assert.deepEqual(schema.self, { vendor: 'com.snowplowanalytics.factotum', name: 'job_update', format: 'jsonschema', version: '1-0-0' });
  });

  it('a user registry configured ahead of the embedded one answers first (--json)', async () => {
    const dir = project({
      repositories: [
        {
          name: 'legacy factotum schemas',
          priority: 0,
          vendorPrefixes: ['com.snowplowanalytics.factotum'],
          connection: { embedded: { path: path.join(fixtures, 'user-registry') } },
        },
      ],
    });
    const res = await hookd(['schemas', 'resolve', FACTOTUM_JOB, '--json'], dir);
    assert.equal(res.status, 0, res.stderr);
    const [out] = jsonLines(res.stdout);
    assert.equal(out.uri, FACTOTUM_JOB);
    assert.equal(out.repository, 'legacy factotum schemas');
    assert.deepEqual(
      out.order.map((r: { name: string; kind: string }) => [r.name, r.kind]),
      [
        ['legacy factotum schemas', 'embedded'],
        ['hookd embedded registry', 'embedded'],
      ],
    );
    assert.deepEqual(out.schema.properties.runState.enum, ['RUNNING', 'WAITING', 'COMPLETED', 'FAILED'], 'the older variant');
  });

  it('finds a schema in a static HTTP registry on loopback', async () => {
    const dir = project({ repositories: [{ name: 'acme registry', priority: 0, vendorPrefixes: ['com.acme'], connection: { http: { uri: good.uri } } }] });
    const res = await hookd(['schemas', 'resolve', 'iglu:com.acme/thing/jsonschema/1-0-0'], dir);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^found in: acme registry$/m);
    assert.match(res.stdout, new RegExp(`^ {2}1\\. acme registry \\(http: ${good.uri.replace(/[.]/g, '\\.')}\\) {2}<- answered$`, 'm'));
  });

  it('exit 1 for a malformed URI, saying what is wrong with it', async () => {
    const res = await hookd(['schemas', 'resolve', 'iglu:com.acme/thing/jsonschema/1-0'], project());
    assert.equal(res.status, 1);
    assert.equal(res.stdout, '');
    assert.match(res.stderr, /SchemaVer/);
  });

  it('exit 1 when no registry has it, listing the repositories tried', async () => {
    const res = await hookd(['schemas', 'resolve', 'iglu:com.acme/missing/jsonschema/1-0-0'], project());
    assert.equal(res.status, 1);
    assert.match(res.stderr, /not found in any registry \(tried: hookd embedded registry\)/);
    const json = await hookd(['schemas', 'resolve', 'iglu:com.acme/missing/jsonschema/1-0-0', '--json'], project());
    assert.equal(json.status, 1);
    assert.equal(jsonLines(json.stdout)[0].error.code, 'schema_not_found');
  });

  it('exit 1 naming the registry when one that may hold the schema fails', async () => {
    const dir = project({ repositories: [{ name: 'acme registry', priority: 0, vendorPrefixes: ['com.acme'], connection: { http: { uri: failing.uri } } }] });
    const res = await hookd(['schemas', 'resolve', 'iglu:com.acme/thing/jsonschema/1-0-0'], dir);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /hookd schemas resolve: registry unavailable: .*acme registry/);
  });

  it('exit 1 for a resolver config that is not one, exit 2 without a URI', async () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, 'resolver.json'), '{"schema": "iglu:com.acme/nope/jsonschema/1-0-0", "data": {}}');
    fs.writeFileSync(path.join(dir, 'hookd.yaml'), YAML.stringify({ iglu: { resolver: './resolver.json' } }));
    const res = await hookd(['schemas', 'resolve', FACTOTUM_JOB], dir);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /resolver config .*resolver\.json/);
    assert.equal((await hookd(['schemas', 'resolve'], project())).status, 2);
  });
});

describe('hookd schemas check', () => {
  it('self-describing by default: the seed Factotum sample fails with each error as "path: message"', async () => {
    const res = await hookd(['schemas', 'check', fixture('seeds/000-factotum-job-update.json')], project());
    assert.equal(res.status, 1);
    const lines = res.stdout.trim().split('\n');
    assert.match(lines[0], new RegExp(`^invalid: .*000-factotum-job-update\\.json against ${FACTOTUM_JOB}$`));
    assert.ok(lines.includes("  (root): must have required property 'tags'"), res.stdout);
    assert.ok(lines.includes("  /applicationContext: must have required property 'name'"), res.stdout);
    assert.ok(
      lines.some((l) => l.startsWith('  /runState: must be equal to one of the allowed values')),
      res.stdout,
    );
  });

  it('passes the same file once the older variant is configured ahead of the embedded registry', async () => {
    const dir = project({
      repositories: [
        {
          name: 'legacy',
          priority: 0,
          vendorPrefixes: ['com.snowplowanalytics.factotum'],
          connection: { embedded: { path: path.join(fixtures, 'user-registry') } },
        },
      ],
    });
    const res = await hookd(['schemas', 'check', fixture('seeds/000-factotum-job-update.json')], dir);
    assert.equal(res.status, 0, res.stdout + res.stderr);
    assert.match(res.stdout, new RegExp(`^valid: .*000-factotum-job-update\\.json against ${FACTOTUM_JOB}\\n$`));
  });

  it('--source picks the preset rule: jobserv fixed URI, hkube progress vs result, a configured source, factotum 0.7 shapes', async () => {
    const dir = project({ sources: { factotum: { kind: 'iglu', token: 'not-real' }, foundries: { kind: 'jobserv', secret: 'not-real' } } });
    const cases: [string[], string, string][] = [
      [['--source', 'foundries'], 'seeds/004-jobserv-build.json', JOBSERV],
      [['--source', 'jobserv'], 'seeds/004-jobserv-build.json', JOBSERV],
      [['--source', 'hkube'], 'seeds/001-hkube-progress.json', 'iglu:dev.hookd.hkube/progress/jsonschema/1-0-0'],
      [['--source', 'hkube'], 'seeds/001-hkube-result.json', 'iglu:dev.hookd.hkube/result/jsonschema/1-0-0'],
      [['--source', 'aurora'], 'seeds/002-aurora-task-state-change.json', 'iglu:dev.hookd.aurora/task_state_change/jsonschema/1-0-0'],
      [['--source', 'shotgrid'], 'shotgrid-delivery.json', 'iglu:dev.hookd.shotgrid/event_delivery/jsonschema/1-0-0'],
      [['--source', 'factotum'], 'factotum-0.7/task-update-running.json', 'iglu:com.snowplowanalytics.factotum/task_update/jsonschema/1-0-0'],
      [[], 'factotum-0.7/job-update-succeeded.json', FACTOTUM_JOB],
    ];
    const results = await Promise.all(cases.map(([opts, file]) => hookd(['schemas', 'check', fixture(file), ...opts, '--json'], dir)));
    cases.forEach(([opts, file, uri], i) => {
      const res = results[i];
      assert.equal(res.status, 0, `${file} ${opts}: ${res.stdout}${res.stderr}`);
      assert.deepEqual(jsonLines(res.stdout), [{ file: fixture(file), valid: true, outcome: 'valid', schema: uri, errors: [] }]);
    });
  });

  it('--schema checks the whole payload against that URI; a malformed one is exit 1', async () => {
    const dir = project();
    const broken = write(dir, 'broken.json', { ...readFixture<Record<string, unknown>>('seeds/004-jobserv-build.json'), status: 'DONE', build_id: '67' });
    const res = await hookd(['schemas', 'check', broken, '--schema', JOBSERV], dir);
    assert.equal(res.status, 1);
    assert.match(res.stdout, /^ {2}\/status: must be equal to one of the allowed values/m);
    assert.match(res.stdout, /^ {2}\/build_id: must be integer$/m);
    const bad = await hookd(['schemas', 'check', broken, '--schema', 'iglu:dev.hookd.jobserv/build_complete/jsonschema/1'], dir);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--schema: .*SchemaVer/);
  });

  it('a ShotGrid batch is split into its deliveries and each is reported', async () => {
    const dir = project();
    const delivery = readFixture<{ timestamp: string; data: Record<string, unknown> }>('shotgrid-delivery.json');
    const brokenDelivery = { ...delivery.data, delivery_id: 'd-2', entity: { type: 'Asset', id: '1419' } };
    const batch = write(dir, 'batch.json', { timestamp: delivery.timestamp, data: { deliveries: [delivery.data, brokenDelivery] } });
    const res = await hookd(['schemas', 'check', batch, '--source', 'shotgrid'], dir);
    assert.equal(res.status, 1);
    assert.match(res.stdout, /^valid: .*batch\.json deliveries\[0\] against iglu:dev\.hookd\.shotgrid\/event_delivery\/jsonschema\/1-0-0$/m);
    assert.match(res.stdout, /^invalid: .*batch\.json deliveries\[1\] against .*\n {2}\/data\/entity\/id: must be integer$/m);
    const json = await hookd(['schemas', 'check', batch, '--source', 'shotgrid', '--json'], dir);
    assert.deepEqual(
      jsonLines(json.stdout).map((l: { item: number; valid: boolean }) => [l.item, l.valid]),
      [
        [0, true],
        [1, false],
      ],
    );
  });

  it('a malformed self-describing URI, a payload that is not JSON, an unknown source', async () => {
    const dir = project();
    const badUri = write(dir, 'bad-uri.json', { schema: 'iglu:com.acme/thing/jsonschema/one', data: {} });
    const res = await hookd(['schemas', 'check', badUri], dir);
    assert.equal(res.status, 1);
    assert.match(res.stdout, /^malformed: .*bad-uri\.json\n {2}\/schema: .*SchemaVer/);
    const notJson = await hookd(['schemas', 'check', write(dir, 'x.json', '{"schema": ')], dir);
    assert.equal(notJson.status, 1);
    assert.match(notJson.stderr, /body is not JSON/);
    const missing = await hookd(['schemas', 'check', path.join(dir, 'nope.json')], dir);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read .*nope\.json: ENOENT/);
    const unknown = await hookd(['schemas', 'check', badUri, '--source', 'nosuch'], dir);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /neither a configured source \(foundries\) nor a kind/);
    assert.equal((await hookd(['schemas', 'check', badUri, '--source', 'hkube', '--schema', JOBSERV], dir)).status, 2);
  });

  it('a schema no registry has is reported as such (exit 1)', async () => {
    const dir = project();
    const file = write(dir, 'unknown.json', { schema: 'iglu:com.acme/unknown/jsonschema/1-0-0', data: {} });
    const res = await hookd(['schemas', 'check', file], dir);
    assert.equal(res.status, 1);
    assert.match(
      res.stdout,
      /^schema not found: .*unknown\.json against iglu:com\.acme\/unknown\/jsonschema\/1-0-0\n {2}\/schema: schema .* not found in any registry/,
    );
  });

  it('has its own --help and rejects an unknown subcommand', async () => {
    const dir = project();
    const help = await hookd(['schemas', '--help'], dir);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^hookd schemas resolve <iglu-uri>/);
    assert.equal((await hookd(['schemas', 'frob'], dir)).status, 2);
  });
});
