// Iglu URIs, SchemaVer and the self-describing envelope (README → Schemas, issue 3 item 1).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSchemaService, formatIgluUri, parseIgluUri, parseSchemaVer } from '../dist/iglu/index.js';
import type { SchemaVerdict } from '../dist/iglu/index.js';

describe('Iglu URI grammar', () => {
  it('parses iglu:<vendor>/<name>/<format>/<M-R-A> and formats it back', () => {
    const uri = 'iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-3';
    const parsed = parseIgluUri(uri);
    assert.deepEqual(parsed, {
      ok: true,
      key: { vendor: 'com.snowplowanalytics.iglu', name: 'resolver-config', format: 'jsonschema', version: { model: 1, revision: 0, addition: 3 } },
    });
    assert.equal(formatIgluUri(parsed.key), uri);
    assert.equal(parseIgluUri('iglu:dev.hookd.jobserv/build_complete/jsonschema/12-10-0').ok, true);
    assert.equal(parseIgluUri('iglu:a_b-c/x/jsonschema/1-0-0').ok, true);
  });

  const bad: [string, RegExp][] = [
    ['com.acme/x/jsonschema/1-0-0', /must start with 'iglu:'/],
    ['http://iglucentral.com/schemas/com.acme/x/jsonschema/1-0-0', /must start with 'iglu:'/],
    ['iglu:com.acme/x/1-0-0', /must have 4 parts vendor\/name\/format\/version, found 3/],
    ['iglu:com.acme/x/jsonschema/1-0-0/extra', /found 5/],
    ['iglu:com acme/x/jsonschema/1-0-0', /vendor 'com acme'/],
    ['iglu:../x/jsonschema/1-0-0', /vendor '\.\.'/],
    ['iglu:.com.acme/x/jsonschema/1-0-0', /vendor '\.com\.acme'/],
    ['iglu:com.acme//jsonschema/1-0-0', /name '' may only contain/],
    ['iglu:com.acme/a.b/jsonschema/1-0-0', /name 'a\.b'/],
    ['iglu:com.acme/x/json schema/1-0-0', /format 'json schema'/],
    ['iglu:com.acme/x/jsonschema/1-0', /version '1-0' is not SchemaVer MODEL-REVISION-ADDITION/],
    ['iglu:com.acme/x/jsonschema/1-0-0-0', /is not SchemaVer/],
    ['iglu:com.acme/x/jsonschema/0-1-0', /MODEL must be at least 1/],
    ['iglu:com.acme/x/jsonschema/1-01-0', /REVISION '01' has a leading zero/],
    ['iglu:com.acme/x/jsonschema/01-0-0', /MODEL '01' has a leading zero/],
    ['iglu:com.acme/x/jsonschema/1-0-00', /ADDITION '00' has a leading zero/],
    ['iglu:com.acme/x/jsonschema/1-a-0', /REVISION 'a' is not a non-negative integer/],
    ['iglu:com.acme/x/jsonschema/1-0--1', /is not SchemaVer|not a non-negative integer/],
    ['iglu:com.acme/x/jsonschema/1.0.0', /is not SchemaVer/],
  ];
  for (const [uri, why] of bad) {
    it(`rejects ${uri}`, () => {
      const parsed = parseIgluUri(uri);
      assert.equal(parsed.ok, false);
      assert.match(parsed.error, why);
    });
  }

  it('rejects a schema that is not a string, saying what it got', () => {
    const errorOf = (uri: unknown): string => {
      const parsed = parseIgluUri(uri);
      assert.equal(parsed.ok, false);
      return parsed.error;
    };
    assert.match(errorOf(42), /must be a string.*got number 42/);
    assert.match(errorOf(null), /got null/);
    assert.match(errorOf(undefined), /got nothing/);
  });
});

describe('SchemaVer', () => {
  it('reads MODEL-REVISION-ADDITION with MODEL ≥ 1 and no leading zeros', () => {
    assert.deepEqual(parseSchemaVer('1-0-0'), { ok: true, version: { model: 1, revision: 0, addition: 0 } });
    assert.deepEqual(parseSchemaVer('2-10-3'), { ok: true, version: { model: 2, revision: 10, addition: 3 } });
    for (const v of ['0-0-0', '1-0', '1-0-0-0', '1-00-0', '-1-0-0', '1-0-x', '']) {
      assert.equal(parseSchemaVer(v).ok, false, v);
    }
  });
});

describe('self-describing envelope', async () => {
  const service = await createSchemaService({});
  const check = (payload: unknown): Promise<SchemaVerdict> => service.check(payload, 'self-describing');

  it('not an object → malformed, error at the root', async () => {
    for (const [payload, got] of [
      [[1, 2], 'an array'],
      ['x', 'string'],
      [null, 'null'],
    ]) {
      const verdict = await check(payload);
      assert.equal(verdict.schema, null);
      assert.equal(verdict.outcome, 'malformed');
      assert.equal(verdict.errors.length, 1);
      assert.equal(verdict.errors[0].path, '');
      assert.match(verdict.errors[0].message, new RegExp(`must be an object .*got ${got}`));
    }
  });

  it("no 'schema' → malformed at /schema", async () => {
    const verdict = await check({ data: { a: 1 } });
    assert.deepEqual(
      verdict.errors.map((e) => e.path),
      ['/schema'],
    );
    assert.match(verdict.errors[0].message, /missing 'schema'/);
    assert.equal(verdict.schema, null);
  });

  it('a malformed URI → malformed at /schema, saying exactly what is wrong', async () => {
    const verdict = await check({ schema: 'iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1-0', data: {} });
    assert.equal(verdict.outcome, 'malformed');
    assert.equal(verdict.schema, null);
    assert.equal(verdict.errors[0].path, '/schema');
    assert.match(verdict.errors[0].message, /version '1-0' is not SchemaVer/);
    const notString = await check({ schema: { vendor: 'x' }, data: {} });
    assert.match(notString.errors[0].message, /must be a string .*got an object/);
  });

  it("no 'data' → malformed at /data", async () => {
    const verdict = await check({ schema: 'iglu:dev.hookd.hkube/result/jsonschema/1-0-0' });
    assert.equal(verdict.outcome, 'malformed');
    assert.deepEqual(
      verdict.errors.map((e) => e.path),
      ['/data'],
    );
    assert.match(verdict.errors[0].message, /missing 'data'/);
  });

  it('a well-formed URI no registry has → not_found at /schema, naming the registries tried', async () => {
    const verdict = await check({ schema: 'iglu:com.acme/nothing/jsonschema/1-0-0', data: {} });
    assert.equal(verdict.outcome, 'not_found');
    assert.equal(verdict.schema, 'iglu:com.acme/nothing/jsonschema/1-0-0');
    assert.deepEqual(verdict.errors, [
      { path: '/schema', message: 'schema iglu:com.acme/nothing/jsonschema/1-0-0 not found in any registry (tried: hookd embedded registry)' },
    ]);
  });

  it('a fixed schema (non-self-describing source) is not found → error at the root', async () => {
    const verdict = await service.check({ any: 1 }, { uri: 'iglu:com.acme/nothing/jsonschema/1-0-0' });
    assert.equal(verdict.outcome, 'not_found');
    assert.equal(verdict.errors[0].path, '');
  });

  it('a malformed configured URI → malformed', async () => {
    const verdict = await service.check({}, { uri: 'iglu:x/y/jsonschema/0-0-0' });
    assert.equal(verdict.outcome, 'malformed');
    assert.match(verdict.errors[0].message, /MODEL must be at least 1/);
  });

  it('resolve() throws HookdErrors with status and code', async () => {
    await assert.rejects(service.resolve('nope'), { status: 400, code: 'invalid_schema_uri' });
    await assert.rejects(service.resolve('iglu:com.acme/nothing/jsonschema/1-0-0'), {
      status: 404,
      code: 'schema_not_found',
      message: /not found in any registry \(tried: hookd embedded registry\)/,
    });
  });
});
