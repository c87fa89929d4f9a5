// One field lookup for dedupe's `field:<path>`, a plugin's `where` and exec's env: own properties only.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { valueAt } from '../dist/value-at.js';
import { bodyKey, dedupeKey } from '../dist/ingest/dedupe.js';
import { compileMatch } from '../dist/dispatch/match.js';

describe('valueAt', () => {
  it('follows object keys and array indexes, and is undefined where the path leads nowhere', () => {
    const doc = { data: { delivery_id: 42, runs: [{ name: 'build-armhf' }] } };
    assert.equal(valueAt(doc, 'data.delivery_id'), 42);
    assert.equal(valueAt(doc, ['data', 'runs', '0', 'name']), 'build-armhf');
    assert.equal(valueAt(doc, 'data.missing.deeper'), undefined);
    assert.equal(valueAt('text', 'length'), undefined, 'no properties of strings');
  });

  it('never answers a property the payload does not have itself', () => {
    assert.equal(valueAt({}, 'constructor.name'), undefined);
    assert.equal(valueAt({ a: [] }, 'a.map'), undefined);
  });

  it('is the same lookup for dedupe and for a plugin match', () => {
    const body = Buffer.from('{"event":{}}');
    const payload = JSON.parse(body.toString());
    // Before, dedupe read inherited properties: every such body was `field:Object`, one "duplicate" of the next.
    assert.equal(dedupeKey([{ by: 'field', path: 'event.constructor.name' }], {}, payload, body), bodyKey(body));
    const m = compileMatch({ where: { path: 'event.constructor', exists: true } });
    assert.equal(m({ source: 's', schema: null, payload: () => payload }), false);
  });
});
