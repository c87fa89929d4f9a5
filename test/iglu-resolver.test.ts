// Resolver config, lookup order, static HTTP registries, cache and back-off (README → Schemas, issue 3 item 2).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSchemaService, HOOKD_REGISTRY } from '../dist/iglu/index.js';
import { LruCache } from '../dist/iglu/lru.js';
import { HookdError } from '../dist/errors.js';
import type { AddressInfo } from 'node:net';
import type { SchemaService } from '../dist/iglu/index.js';

/** A clock the test moves: cacheTtl and back-off are checked without waiting for them. */
function fakeClock(start = Date.now()): { now: () => number; advance: (ms: number) => number } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** The last of a list that must not be empty. */
function last<T>(list: readonly T[]): T {
  assert.ok(list.length > 0, 'the list is empty');
  return list[list.length - 1];
}

const RESOLVER_CONFIG = 'iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-3';
const ACME = 'iglu:com.acme/thing/jsonschema/1-0-0';
const OTHER = 'iglu:com.other/thing/jsonschema/1-0-0';
const PRIORITY = 'iglu:com.other/priority/jsonschema/1-0-0';
const FACTOTUM_JOB = 'iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1-0-0';
const JOBSERV = 'iglu:dev.hookd.jobserv/build_complete/jsonschema/1-0-0';

/** A schema that says where it came from, so a test can tell which repository answered. */
function schemaFrom(where: string): object {
  return { type: 'object', properties: { from: { enum: [where] } }, required: ['from'] };
}

async function writeSchema(root: string, uri: string, schema: object): Promise<void> {
  const file = path.join(root, 'schemas', uri.slice('iglu:'.length));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(schema));
}

/**
 * A real static Iglu registry on loopback: GET /schemas/<vendor>/<name>/<format>/<version>.
 * behaviour: 'serve' | 'fail' (500) | 'slow' (answers after slowMs). Counts requests per path.
 */
interface RegistryOptions {
  schemas?: Record<string, object>;
  apikey?: string;
  behaviour?: 'serve' | 'fail' | 'slow';
  slowMs?: number;
}
interface RegistryRequest {
  url: string;
  apikey: string | string[] | undefined;
  authorization: string | undefined;
}
interface StaticRegistry {
  uri: string;
  requests: RegistryRequest[];
  /** Requests for one schema. */
  count: (uri: string) => number;
  close: () => Promise<void>;
}
async function staticRegistry({ schemas = {}, apikey, behaviour = 'serve', slowMs = 5000 }: RegistryOptions = {}): Promise<StaticRegistry> {
  const requests: RegistryRequest[] = [];
  const server = http.createServer(async (req, res) => {
    const url = req.url ?? '';
    requests.push({ url, apikey: req.headers['apikey'], authorization: req.headers['authorization'] });
    if (apikey && req.headers['apikey'] !== apikey) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"unauthorized"}');
      return;
    }
    if (behaviour === 'fail') {
      res.writeHead(500).end('boom');
      return;
    }
    if (behaviour === 'slow') await sleep(slowMs);
    const uri = `iglu:${url.replace(/^\/schemas\//, '')}`;
    const schema = schemas[uri];
    if (!url.startsWith('/schemas/') || !schema) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(schema));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}`,
    requests,
    count: (uri) => requests.filter((r) => r.url === `/schemas/${uri.slice('iglu:'.length)}`).length,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let tmp: string;
let counter = 0;
/** Writes a resolver config (its `data`, as a user writes it) and answers the file. */
async function resolverFile(data: Record<string, unknown>, schema = RESOLVER_CONFIG): Promise<string> {
  const file = path.join(tmp, `resolver-${++counter}.json`);
  await writeFile(file, JSON.stringify({ schema, data }));
  return file;
}
interface RepositoryExtra {
  priority?: number;
  vendorPrefixes?: string[];
  apikey?: string;
}
function http_(name: string, uri: string, extra: RepositoryExtra = {}) {
  return {
    name,
    priority: extra.priority ?? 0,
    vendorPrefixes: extra.vendorPrefixes ?? [],
    connection: { http: { uri, ...(extra.apikey ? { apikey: extra.apikey } : {}) } },
  };
}
function embedded(name: string, dir: string, extra: RepositoryExtra = {}) {
  return { name, priority: extra.priority ?? 0, vendorPrefixes: extra.vendorPrefixes ?? [], connection: { embedded: { path: dir } } };
}
/** What the resolver logged: its fields and message. */
type Warning = Record<string, unknown> & { msg: string };
function quietLogger(): { warnings: Warning[]; warn: (obj: object, msg: string) => void } {
  const warnings: Warning[] = [];
  return { warnings, warn: (obj, msg) => void warnings.push({ ...obj, msg }) };
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hookd-iglu-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('resolver config (Snowplow resolver-config 1-0-0 … 1-0-3)', () => {
  it('reads every 1-0-x version as-is; embedded paths are relative to the file', async () => {
    await writeSchema(path.join(tmp, 'rel-registry'), ACME, schemaFrom('rel'));
    for (const version of ['1-0-0', '1-0-1', '1-0-2', '1-0-3']) {
      const file = await resolverFile(
        { cacheSize: 10, repositories: [embedded('relative', 'rel-registry')] },
        `iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/${version}`,
      );
      const service = await createSchemaService({ resolverConfig: file });
      const { repository } = await service.resolve(ACME);
      assert.equal(repository, 'relative', version);
    }
  });

  const bad: [Record<string, unknown>, RegExp][] = [
    [{ schema: 'iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/2-0-0' }, /schema version 2-0-0 is not supported \(hookd reads 1-0-0 to 1-0-3\)/],
    [{ schema: 'iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-4' }, /not supported/],
    [{ schema: 'iglu:com.acme/resolver-config/jsonschema/1-0-0' }, /schema must be iglu:com.snowplowanalytics.iglu\/resolver-config/],
    [{ schema: 'resolver' }, /schema is not an Iglu URI/],
    [{ data: { repositories: [] } }, /data.cacheSize must be a number ≥ 0, got nothing/],
    [{ data: { cacheSize: 5, cacheTtl: -1, repositories: [] } }, /data.cacheTtl must be an integer number of seconds ≥ 0 or null, got -1/],
    [{ data: { cacheSize: 5, repository: [] } }, /data has unknown field 'repository'/],
    [{ data: { cacheSize: 5, repositories: {} } }, /data.repositories must be an array/],
    [
      { data: { cacheSize: 5, repositories: [{ name: 'a', priority: 0, vendorPrefix: [], connection: { embedded: { path: 'x' } } }] } },
      /data.repositories\[0\] has unknown field 'vendorPrefix'/,
    ],
    [
      { data: { cacheSize: 5, repositories: [{ name: 'a', priority: '1', vendorPrefixes: [], connection: { embedded: { path: 'x' } } }] } },
      /data.repositories\[0\].priority must be a number, got "1"/,
    ],
    [
      {
        data: {
          cacheSize: 5,
          repositories: [{ name: 'a', priority: 0, vendorPrefixes: [], connection: { embedded: { path: 'x' }, http: { uri: 'http://x' } } }],
        },
      },
      /data.repositories\[0\].connection must have exactly one of 'embedded' or 'http'/,
    ],
    [
      { data: { cacheSize: 5, repositories: [{ name: 'a', priority: 0, vendorPrefixes: [], connection: { http: { uri: 'ftp://x' } } }] } },
      /data.repositories\[0\].connection.http.uri must be an http\(s\) URL, got "ftp:\/\/x"/,
    ],
    [
      { data: { cacheSize: 5, repositories: [{ name: 'a', priority: 0, vendorPrefixes: [], connection: { http: { uri: 'http://x', apikey: 5 } } }] } },
      /connection.http.apikey must be a string or null/,
    ],
    [
      { data: { cacheSize: 5, repositories: [{ name: 'a', priority: 0, vendorPrefixes: [], connection: { embedded: {} } }] } },
      /connection.embedded.path must be a non-empty string/,
    ],
  ];
  for (const [override, why] of bad) {
    it(`rejects ${JSON.stringify(override).slice(0, 90)}`, async () => {
      const file = path.join(tmp, `bad-${++counter}.json`);
      await writeFile(file, JSON.stringify({ schema: RESOLVER_CONFIG, data: { cacheSize: 5, repositories: [] }, ...override }));
      await assert.rejects(createSchemaService({ resolverConfig: file }), (err) => {
        assert.ok(err instanceof Error);
        assert.equal(err.name, 'ResolverConfigError');
        assert.match(err.message, why);
        assert.ok(err.message.includes(file), 'names the file');
        return true;
      });
    });
  }

  it('rejects a file that is not JSON, or missing', async () => {
    const file = path.join(tmp, 'not-json.json');
    await writeFile(file, '{ nope');
    await assert.rejects(createSchemaService({ resolverConfig: file }), /not valid JSON/);
    await assert.rejects(createSchemaService({ resolverConfig: path.join(tmp, 'missing.json') }), /cannot read it/);
  });
});

describe('lookup order: vendor prefix, then embedded before http, then priority, then config order', () => {
  let registry: StaticRegistry;
  let service: SchemaService;
  before(async () => {
    const e1 = path.join(tmp, 'order-e1');
    const e2 = path.join(tmp, 'order-e2');
    const e3 = path.join(tmp, 'order-e3');
    await writeSchema(e1, ACME, schemaFrom('e1'));
    await writeSchema(e1, PRIORITY, schemaFrom('e1'));
    await writeSchema(e2, OTHER, schemaFrom('e2'));
    await writeSchema(e2, PRIORITY, schemaFrom('e2'));
    await writeSchema(e3, OTHER, schemaFrom('e3'));
    await writeSchema(e1, FACTOTUM_JOB, schemaFrom('e1'));
    registry = await staticRegistry({ schemas: { [ACME]: schemaFrom('http'), [OTHER]: schemaFrom('http'), [PRIORITY]: schemaFrom('http') } });
    const file = await resolverFile({
      cacheSize: 100,
      repositories: [
        http_('http', registry.uri, { vendorPrefixes: ['com.acme'] }),
        embedded('e3', e3, { priority: 10 }),
        embedded('e2', e2, { priority: 10 }),
        embedded('e1', e1, { priority: 0, vendorPrefixes: ['com.snowplowanalytics'] }),
      ],
    });
    service = await createSchemaService({ resolverConfig: file });
  });
  after(() => registry.close());

  it('a vendor-prefix match comes first, even over embedded repositories', async () => {
    assert.equal((await service.resolve(ACME)).repository, 'http');
    assert.deepEqual((await service.check({ from: 'http' }, { uri: ACME })).errors, []);
    assert.deepEqual(
      service.repositories(ACME).map((r) => r.name),
      ['http', 'e1', 'e3', 'e2', HOOKD_REGISTRY],
    );
  });

  it('without a prefix match, embedded comes before http', async () => {
    assert.equal((await service.resolve(OTHER)).repository, 'e3');
    assert.deepEqual(
      service.repositories(OTHER).map((r) => r.name),
      ['e1', 'e3', 'e2', 'http', HOOKD_REGISTRY],
    );
  });

  it('then lower priority first; equal priority keeps config order', async () => {
    assert.equal((await service.resolve(PRIORITY)).repository, 'e1');
    // e3 and e2 share priority 10: e3 is listed first in the config and has OTHER, so it answered above.
  });

  it("hookd's embedded registry is always last: a user repository overrides it", async () => {
    assert.equal((await service.resolve(FACTOTUM_JOB)).repository, 'e1');
    assert.equal((await service.resolve(JOBSERV)).repository, HOOKD_REGISTRY);
    assert.equal(last(service.repositories(JOBSERV)).name, HOOKD_REGISTRY);
  });

  it('with no resolver config only the embedded registry is used', async () => {
    const plain = await createSchemaService({});
    assert.deepEqual(
      plain.repositories(ACME).map((r) => r.name),
      [HOOKD_REGISTRY],
    );
    assert.equal((await plain.resolve(JOBSERV)).repository, HOOKD_REGISTRY);
  });
});

describe('static HTTP registry', () => {
  it('sends the apikey header; a registry that refuses it (401) is a failure, not a miss', async () => {
    const registry = await staticRegistry({ schemas: { [ACME]: schemaFrom('http') }, apikey: 's3cret' });
    try {
      const withKey = await createSchemaService({
        resolverConfig: await resolverFile({ cacheSize: 10, repositories: [http_('keyed', registry.uri, { apikey: 's3cret' })] }),
      });
      assert.equal((await withKey.resolve(ACME)).repository, 'keyed');
      assert.equal(last(registry.requests).apikey, 's3cret');

      const logger = quietLogger();
      const withoutKey = await createSchemaService({
        resolverConfig: await resolverFile({ cacheSize: 10, repositories: [http_('keyless', registry.uri)] }),
        logger,
      });
      await assert.rejects(withoutKey.check({ schema: ACME, data: {} }, 'self-describing'), (err) => {
        assert.ok(err instanceof HookdError);
        assert.equal(err.status, 503);
        assert.equal(err.code, 'registry_unavailable');
        assert.match(err.message, /keyless: GET .* answered HTTP 401 \(check the apikey\)/);
        assert.ok(Number(err.headers['Retry-After']) >= 1);
        return true;
      });
      assert.equal(last(registry.requests).apikey, undefined);
      assert.equal(logger.warnings[0].repository, 'keyless');
      assert.ok(!JSON.stringify(logger.warnings).includes('s3cret'));
    } finally {
      await registry.close();
    }
  });

  it('user:password in the registry URI becomes Basic auth and never appears in messages', async () => {
    const registry = await staticRegistry({ schemas: { [ACME]: schemaFrom('http') } });
    try {
      const uri = registry.uri.replace('http://', 'http://reader:pa%24%24word@');
      const service = await createSchemaService({
        resolverConfig: await resolverFile({ cacheSize: 10, repositories: [http_('basic', uri)] }),
      });
      assert.equal((await service.resolve(ACME)).repository, 'basic');
      assert.equal(registry.requests[0].authorization, `Basic ${Buffer.from('reader:pa$$word').toString('base64')}`);
      assert.equal(service.repositories(ACME)[0].location, registry.uri);
      const verdict = await service.check({}, { uri: OTHER });
      assert.ok(!JSON.stringify(verdict).includes('pa%24%24word'));
    } finally {
      await registry.close();
    }
  });

  it('404 is a miss, and the miss is cached', async () => {
    const registry = await staticRegistry();
    try {
      const service = await createSchemaService({
        resolverConfig: await resolverFile({ cacheSize: 10, repositories: [http_('static', registry.uri)] }),
      });
      for (let i = 0; i < 3; i++) {
        const verdict = await service.check({ schema: ACME, data: {} }, 'self-describing');
        assert.equal(verdict.outcome, 'not_found');
        assert.equal(verdict.errors[0].message, `schema ${ACME} not found in any registry (tried: static, ${HOOKD_REGISTRY})`);
      }
      assert.equal(registry.count(ACME), 1);
      service.clearCache();
      await service.check({ schema: ACME, data: {} }, 'self-describing');
      assert.equal(registry.count(ACME), 2);
    } finally {
      await registry.close();
    }
  });

  it('a hit is cached; concurrent lookups share one request', async () => {
    const registry = await staticRegistry({ schemas: { [ACME]: schemaFrom('http') } });
    try {
      const service = await createSchemaService({
        resolverConfig: await resolverFile({ cacheSize: 10, repositories: [http_('static', registry.uri)] }),
      });
      const verdicts = await Promise.all(Array.from({ length: 5 }, () => service.check({ from: 'http' }, { uri: ACME })));
      assert.ok(verdicts.every((v) => v.outcome === 'valid'));
      await service.check({ from: 'nope' }, { uri: ACME });
      assert.equal(registry.count(ACME), 1);
    } finally {
      await registry.close();
    }
  });

  it('5xx: the registry is skipped for a growing back-off and the next repository is tried', async () => {
    const registry = await staticRegistry({ behaviour: 'fail' });
    try {
      const logger = quietLogger();
      const clock = fakeClock();
      const service = await createSchemaService({
        resolverConfig: await resolverFile({ cacheSize: 10, repositories: [http_('flaky', registry.uri)] }),
        logger,
        now: clock.now,
      });
      // hookd's embedded registry has JobServ's schema: the failure costs one request, no error.
      const verdict = await service.check({ build_id: 1, url: 'https://x.test/b/1/', status: 'PASSED', runs: [] }, { uri: JOBSERV });
      assert.equal(verdict.outcome, 'valid');
      assert.equal(registry.requests.length, 1);
      assert.equal(logger.warnings[0].backoffMs, 1000);

      // Within the back-off the registry is not asked; nobody else has ACME, so the answer is 503.
      await assert.rejects(service.check({}, { uri: ACME }), (err) => {
        assert.ok(err instanceof HookdError);
        assert.equal(err.status, 503);
        assert.match(err.message, /flaky: skipped for 1s after GET .* answered HTTP 500/);
        assert.equal(err.headers['Retry-After'], '1');
        return true;
      });
      assert.equal(registry.requests.length, 1);

      // After it, the registry is asked again; a second failure doubles the back-off.
      clock.advance(1100);
      await assert.rejects(service.check({}, { uri: ACME }), { status: 503 });
      assert.equal(registry.requests.length, 2);
      assert.equal(logger.warnings[1].backoffMs, 2000);
      await assert.rejects(service.check({}, { uri: OTHER }), { status: 503 });
      assert.equal(registry.requests.length, 2);
    } finally {
      await registry.close();
    }
  });

  it('a slow registry never holds the caller past its deadline: 503 as soon as the signal fires', async () => {
    const registry = await staticRegistry({ schemas: { [ACME]: schemaFrom('http') }, behaviour: 'slow', slowMs: 3000 });
    try {
      const service = await createSchemaService({
        resolverConfig: await resolverFile({ cacheSize: 10, repositories: [http_('slow', registry.uri)] }),
        registryTimeoutMs: 5000,
        logger: quietLogger(),
      });
      const started = Date.now();
      await assert.rejects(service.check({ schema: ACME, data: { from: 'http' } }, 'self-describing', { signal: AbortSignal.timeout(150) }), (err) => {
        assert.ok(err instanceof HookdError);
        assert.equal(err.name, 'HookdError');
        assert.equal(err.status, 503);
        assert.equal(err.code, 'registry_unavailable');
        assert.match(err.message, /before the deadline/);
        assert.ok(err.headers['Retry-After']);
        return true;
      });
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 140 && elapsed < 1000, `answered after ${elapsed} ms`);
      // An already-expired deadline answers at once.
      await assert.rejects(service.resolve(OTHER, { signal: AbortSignal.abort() }), { status: 503 });
    } finally {
      await registry.close();
    }
  });

  it('the registry timeout bounds a lookup without a caller deadline, then backs off', async () => {
    const registry = await staticRegistry({ behaviour: 'slow', slowMs: 3000 });
    try {
      const service = await createSchemaService({
        resolverConfig: await resolverFile({ cacheSize: 10, repositories: [http_('slow', registry.uri)] }),
        registryTimeoutMs: 200,
        logger: quietLogger(),
      });
      const started = Date.now();
      await assert.rejects(service.resolve(ACME), { status: 503, message: /slow: GET .* failed: timed out after 200 ms/ });
      assert.ok(Date.now() - started < 1500);
      await assert.rejects(service.resolve(OTHER), { status: 503, message: /skipped for 1s/ });
      assert.equal(registry.requests.length, 1);
    } finally {
      await registry.close();
    }
  });

  it('an unreachable registry (connection refused) fails over to the next repository', async () => {
    const registry = await staticRegistry();
    const uri = registry.uri;
    await registry.close();
    const logger = quietLogger();
    const service = await createSchemaService({
      resolverConfig: await resolverFile({ cacheSize: 10, repositories: [http_('gone', uri)] }),
      logger,
    });
    assert.equal((await service.resolve(JOBSERV)).repository, HOOKD_REGISTRY);
    assert.match(String(logger.warnings[0].error), /ECONNREFUSED/);
  });
});

describe('cache', () => {
  it('entries expire after cacheTtl seconds', async () => {
    const registry = await staticRegistry({ schemas: { [ACME]: schemaFrom('http') } });
    try {
      const clock = fakeClock();
      const service = await createSchemaService({
        resolverConfig: await resolverFile({ cacheSize: 10, cacheTtl: 1, repositories: [http_('static', registry.uri)] }),
        now: clock.now,
      });
      await service.resolve(ACME);
      await service.check({ schema: OTHER, data: {} }, 'self-describing');
      await service.resolve(ACME);
      await service.check({ schema: OTHER, data: {} }, 'self-describing');
      assert.equal(registry.count(ACME), 1);
      assert.equal(registry.count(OTHER), 1);
      clock.advance(1100);
      await service.resolve(ACME);
      await service.check({ schema: OTHER, data: {} }, 'self-describing');
      assert.equal(registry.count(ACME), 2, 'hit expired');
      assert.equal(registry.count(OTHER), 2, 'miss expired');
    } finally {
      await registry.close();
    }
  });

  it('cacheSize bounds the lookups kept (least recently used goes first)', async () => {
    const registry = await staticRegistry({ schemas: { [ACME]: schemaFrom('http'), [OTHER]: schemaFrom('http'), [PRIORITY]: schemaFrom('http') } });
    try {
      const service = await createSchemaService({
        resolverConfig: await resolverFile({ cacheSize: 2, repositories: [http_('static', registry.uri)] }),
      });
      await service.resolve(ACME);
      await service.resolve(OTHER);
      await service.resolve(ACME); // ACME is now the most recent
      await service.resolve(PRIORITY); // evicts OTHER
      await service.resolve(ACME);
      await service.resolve(OTHER);
      assert.equal(registry.count(ACME), 1);
      assert.equal(registry.count(OTHER), 2);
    } finally {
      await registry.close();
    }
  });

  it('LruCache: recency, size bound, ttl with an injected clock, size 0 disables', () => {
    let now = 0;
    const lru = new LruCache<string, number>({ maxSize: 2, ttlMs: 100, now: () => now });
    lru.set('a', 1);
    lru.set('b', 2);
    assert.equal(lru.get('a'), 1);
    lru.set('c', 3);
    assert.equal(lru.get('b'), undefined);
    assert.equal(lru.get('a'), 1);
    now = 100;
    assert.equal(lru.get('a'), undefined);
    assert.equal(lru.size, 1);
    const off = new LruCache<string, number>({ maxSize: 0 });
    off.set('a', 1);
    assert.equal(off.get('a'), undefined);
  });
});
