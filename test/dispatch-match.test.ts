// README → Plugins; Guarantees: a plugin's match — sources, Iglu schema patterns, payload conditions, HKube levels.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileMatch, MatchError } from '../dist/dispatch/match.js';
import type { MatchInput } from '../dist/dispatch/match.js';

const event = (
  payload: unknown,
  { source = 'foundries', schema = 'iglu:dev.hookd.jobserv/build_complete/jsonschema/1-0-0' }: { source?: string; schema?: string | null } = {},
): MatchInput => ({
  source,
  schema,
  payload: () => payload,
});

describe('match.source', () => {
  it('takes a name or a list of names', () => {
    assert.equal(compileMatch({ source: 'foundries' })(event({})), true);
    assert.equal(compileMatch({ source: 'factotum' })(event({})), false);
    assert.equal(compileMatch({ source: ['factotum', 'foundries'] })(event({})), true);
  });
});

describe('match.schema', () => {
  const factotum = (version: string, name = 'job_update'): MatchInput =>
    event({}, { schema: `iglu:com.snowplowanalytics.factotum/${name}/jsonschema/${version}` });

  it('matches exact URIs and `*` in the version', () => {
    const m = compileMatch({ schema: 'iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1-*-*' });
    assert.equal(m(factotum('1-0-0')), true);
    assert.equal(m(factotum('1-2-13')), true);
    assert.equal(m(factotum('2-0-0')), false);
    assert.equal(m(factotum('1-0-0', 'task_update')), false);
    assert.equal(compileMatch({ schema: 'iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1-0-0' })(factotum('1-0-1')), false);
  });

  it('`*` stays inside one part of the URI, and dots are literal', () => {
    assert.equal(compileMatch({ schema: 'iglu:com.snowplowanalytics.factotum/*/jsonschema/1-*-*' })(factotum('1-0-0', 'task_update')), true);
    assert.equal(compileMatch({ schema: 'iglu:com.snowplowanalytics.factotum/*' })(factotum('1-0-0')), false);
    assert.equal(compileMatch({ schema: 'iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1.*' })(factotum('1-0-0')), false);
  });

  it('an event without a schema matches no schema pattern; a list means any', () => {
    assert.equal(compileMatch({ schema: 'iglu:*' })(event({}, { schema: null })), false);
    assert.equal(compileMatch({ schema: ['iglu:a/b/jsonschema/1-0-0', 'iglu:dev.hookd.jobserv/*/jsonschema/*'] })(event({})), true);
  });
});

describe('match.where', () => {
  const build = { status: 'FAILED', build_id: 67, runs: [{ name: 'build-armhf', status: 'FAILED' }], reason: null, data: { runState: 'SUCCEEDED' } };

  it('equals, in and exists on dotted paths, array indexes included', () => {
    assert.equal(compileMatch({ where: { path: 'status', equals: 'FAILED' } })(event(build)), true);
    assert.equal(compileMatch({ where: { path: 'build_id', equals: '67' } })(event(build)), false, 'no type coercion');
    assert.equal(compileMatch({ where: { path: 'status', in: ['FAILED', 'RUNNING_WITH_FAILURES'] } })(event(build)), true);
    assert.equal(compileMatch({ where: { path: 'status', in: ['PASSED'] } })(event(build)), false);
    assert.equal(compileMatch({ where: { path: 'runs.0.name', equals: 'build-armhf' } })(event(build)), true);
    assert.equal(compileMatch({ where: { path: 'data.runState', in: ['SUCCEEDED'] } })(event(build)), true);
    assert.equal(compileMatch({ where: { path: 'reason', exists: true } })(event(build)), true, 'null is present');
    assert.equal(compileMatch({ where: { path: 'annotation', exists: false } })(event(build)), true);
    assert.equal(compileMatch({ where: { path: 'runs.5.name', exists: true } })(event(build)), false);
    assert.equal(compileMatch({ where: { path: 'status.length', exists: true } })(event(build)), false, 'no properties of strings');
    assert.equal(compileMatch({ where: { path: 'runs', equals: [{ name: 'build-armhf', status: 'FAILED' }] } })(event(build)), true, 'deep equality');
  });

  it('every condition must hold, and every criterion', () => {
    const m = compileMatch({
      source: 'foundries',
      where: [
        { path: 'status', equals: 'FAILED' },
        { path: 'build_id', in: [66, 67] },
      ],
    });
    assert.equal(m(event(build)), true);
    assert.equal(m(event({ ...build, build_id: 68 })), false);
    assert.equal(m(event(build, { source: 'other' })), false);
  });

  it('atLeast compares HKube levels: trace < silly < debug < info < warn = warning < error < critical', () => {
    const m = compileMatch({ where: { path: 'level', atLeast: 'warn' } });
    const levels: Record<string, boolean> = {
      trace: false,
      silly: false,
      debug: false,
      info: false,
      warn: true,
      warning: true,
      error: true,
      critical: true,
      WARN: true,
      verbose: false,
    };
    for (const [level, expected] of Object.entries(levels)) assert.equal(m(event({ level })), expected, level);
    assert.equal(m(event({})), false);
    assert.equal(m(event({ level: 5 })), false);
    assert.equal(compileMatch({ where: { path: 'level', atLeast: 'warning' } })(event({ level: 'warn' })), true);
    assert.equal(compileMatch({ where: { path: 'level', atLeast: 'silly' } })(event({ level: 'trace' })), false);
  });

  it('the payload is parsed only when a condition needs it', () => {
    let parsed = 0;
    const lazy: MatchInput = { source: 'foundries', schema: null, payload: () => (parsed++, {}) };
    compileMatch({ source: 'foundries' })(lazy);
    compileMatch(undefined)(lazy);
    assert.equal(parsed, 0);
    compileMatch({ source: 'other', where: { path: 'x', exists: true } })(lazy);
    assert.equal(parsed, 0, 'source is checked first');
  });
});

describe('a bad match is refused at load, naming the field', () => {
  const refused: [unknown, RegExp][] = [
    [{ sources: 'x' }, /unknown field 'sources'/],
    [{ source: [] }, /match\.source must be/],
    [{ schema: 3 }, /match\.schema must be/],
    [{ where: { path: 'a' } }, /match\.where\[0\] needs exactly one of/],
    [{ where: [{ path: 'a', equals: 1, in: [1] }] }, /match\.where\[0\] needs exactly one of/],
    [{ where: { path: 'a', in: 'x' } }, /match\.where\[0\]\.in must be a list/],
    [{ where: { path: 'level', atLeast: 'loud' } }, /atLeast must be one of trace, silly/],
    [{ where: { equals: 1 } }, /match\.where\[0\]\.path/],
    ['FAILED', /match must be an object/],
  ];
  for (const [spec, message] of refused) {
    it(JSON.stringify(spec), () => {
      assert.throws(
        () => compileMatch(spec),
        (err) => err instanceof MatchError && message.test(err.message),
      );
    });
  }

  it('no match at all takes every event', () => {
    assert.equal(compileMatch(undefined)(event({})), true);
    assert.equal(compileMatch({})(event({}, { schema: null })), true);
  });
});
