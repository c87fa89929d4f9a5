// The body → JSON step: strict UTF-8 and a bound on nesting, counted outside strings only.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HookdError } from '../dist/errors.js';
import { MAX_DEPTH, parseJsonBody } from '../dist/ingest/parse.js';

const parse = (text: string | Buffer): unknown => parseJsonBody(Buffer.isBuffer(text) ? text : Buffer.from(text));

function refusedWith(text: string | Buffer, code: string): void {
  assert.throws(
    () => parse(text),
    (err: unknown) => err instanceof HookdError && err.status === 400 && err.code === code,
  );
}

describe('parseJsonBody', () => {
  it('takes nesting up to the limit and refuses one level deeper', () => {
    const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
    assert.ok(Array.isArray(parse(nested(MAX_DEPTH))));
    refusedWith(nested(MAX_DEPTH + 1), 'too_deep');
    refusedWith(`{"a":${'{"b":'.repeat(MAX_DEPTH)}1${'}'.repeat(MAX_DEPTH)}}`, 'too_deep');
  });

  it('does not count brackets inside strings, whatever escapes come before their closing quote', () => {
    const brackets = '['.repeat(MAX_DEPTH + 10);
    assert.deepEqual(parse(`{"text":"${brackets}"}`), { text: brackets });
    // An escaped quote does not end the string; an escaped backslash before a quote does.
    assert.deepEqual(parse(`{"a":"x\\"${brackets}","b":[1]}`), { a: `x"${brackets}`, b: [1] });
    assert.deepEqual(parse(`{"a":"x\\\\","b":[1]}`), { a: 'x\\', b: [1] });
    assert.deepEqual(parse(`{"a":"\\\\\\"${brackets}"}`), { a: `\\"${brackets}` });
    // Brackets after a string that ended on an escaped backslash are counted again.
    refusedWith(`{"a":"x\\\\","b":${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}}`, 'too_deep');
  });

  it('answers invalid_json for an unterminated string and invalid_utf8 for bad bytes', () => {
    refusedWith('{"a":"never closed', 'invalid_json');
    refusedWith('{"a":"x\\"}', 'invalid_json');
    refusedWith(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), 'invalid_utf8');
  });
});
