// README → Senders; Guarantees: sender verification on raw bytes, checked against the published vectors and
// against every way a request can be wrong.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';

import { verify, sign, generateSecret } from '../dist/verify/index.js';
import { KINDS } from '../dist/senders/kinds.js';
import type { Kind } from '../dist/senders/kinds.js';
import type { Credentials, HeaderBag, RejectReason, Verdict, VerifyInput, VerifyRule } from '../dist/verify/index.js';
import type { Vector } from './helpers/hookd.js';

// The senders' own signatures, computed with their algorithms (a copy of the shared vectors).
const vectors = JSON.parse(readFileSync(new URL('./fixtures/vectors/signatures.json', import.meta.url), 'utf8')) as Vector[];

type HmacRule = Extract<VerifyRule, { type: 'hmac' }>;
type StandardRule = Extract<VerifyRule, { type: 'standard' }>;

/** A kind's fixed verify rule (every kind but `hmac`, whose source names its own, has one). */
function presetRule(kind: Kind): VerifyRule {
  const rule = KINDS[kind].verify;
  assert.ok(rule, `kind ${kind} has a verify preset`);
  return rule;
}
const TOKEN_RULE = presetRule('iglu');
const STANDARD_RULE = presetRule('standard');

/** HeaderBag names are lower-case, as Node delivers them; the vectors spell them as senders do. */
function lowerCaseNames(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** A vector as verify() takes it; its headers are single strings, as the sender wrote them. */
interface Case<R extends VerifyRule = VerifyRule> {
  name: string;
  rule: R;
  creds: Credentials;
  input: Omit<VerifyInput, 'headers'> & { headers: Record<string, string> };
}
const isHmac = (c: Case): c is Case<HmacRule> => c.rule.type === 'hmac';

function vectorCase(vector: Vector): Case {
  return {
    name: `${vector.scheme}: ${vector.body.slice(0, 40)}`,
    rule: presetRule(vector.scheme),
    creds: { secrets: [vector.secret] },
    input: {
      body: Buffer.from(vector.body, 'utf8'),
      headers: lowerCaseNames(vector.headers),
      ...(vector.now === undefined ? {} : { nowSeconds: vector.now }),
    },
  };
}
const cases = vectors.map(vectorCase);

/** The Standard Webhooks vector, which carries the time it was signed at. */
function standardCase(): Case<StandardRule> & { input: { nowSeconds: number } } {
  const found = cases.find((c) => c.rule.type === 'standard');
  assert.ok(found && found.rule.type === 'standard', 'a standard vector');
  const { nowSeconds } = found.input;
  assert.ok(nowSeconds !== undefined, 'the standard vector has its time');
  return { ...found, rule: found.rule, input: { ...found.input, nowSeconds } };
}

/** A valid secret of the rule's kind that is not `secret`. */
function otherSecret(rule: VerifyRule, secret: string): string {
  const other = generateSecret(rule);
  assert.notEqual(other, secret);
  return other;
}

function withBody(input: VerifyInput, body: Buffer): VerifyInput {
  return { ...input, body };
}

function withHeaders(input: VerifyInput, headers: HeaderBag): VerifyInput {
  return { ...input, headers };
}

function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
  const { [name]: _removed, ...rest } = headers;
  assert.ok(name in headers, `${name} was present`);
  return rest;
}

const REJECT = (reason: RejectReason): Verdict => ({ ok: false, reason });
const OK: Verdict = { ok: true };

function ed25519KeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  assert.ok(jwk.x && jwk.d, 'an ed25519 JWK has x and d');
  const base64 = (base64url: string): string => Buffer.from(base64url, 'base64url').toString('base64');
  assert.equal(publicKey.export({ format: 'jwk' }).x, jwk.x);
  return { publicKey: `whpk_${base64(jwk.x)}`, privateKey: `whsk_${base64(jwk.d)}` };
}

describe('every published vector verifies with its kind preset', () => {
  assert.ok(cases.length >= 5, 'the vectors file was read');
  for (const { name, rule, creds, input } of cases) {
    it(name, () => {
      assert.deepEqual(verify(rule, creds, input), OK);
    });
  }
});

describe('a body changed in any one byte is a mismatch', () => {
  for (const { name, rule, creds, input } of cases) {
    it(name, () => {
      const last = input.body.length - 1;
      for (const position of [0, 1, Math.floor(last / 2), last - 1, last]) {
        for (const flip of [0x01, 0x80, 0xff]) {
          const body = Buffer.from(input.body);
          body[position] ^= flip;
          assert.deepEqual(verify(rule, creds, withBody(input, body)), REJECT('mismatch'), `byte ${position} ^ ${flip}`);
        }
      }
    });
  }

  it('a body with a byte added or removed is a mismatch', () => {
    for (const { rule, creds, input } of cases) {
      for (const body of [input.body.subarray(1), input.body.subarray(0, -1), Buffer.concat([input.body, Buffer.from('\n')])]) {
        assert.deepEqual(verify(rule, creds, withBody(input, body)), REJECT('mismatch'));
      }
    }
  });
});

describe('a wrong secret is a mismatch', () => {
  for (const { name, rule, creds, input } of cases) {
    it(name, () => {
      const [secret] = creds.secrets;
      assert.deepEqual(verify(rule, { secrets: [otherSecret(rule, secret)] }, input), REJECT('mismatch'));
      if (rule.type !== 'standard') {
        // Near misses: a case change and a secret that extends the real one.
        assert.deepEqual(verify(rule, { secrets: [secret.toUpperCase()] }, input), REJECT('mismatch'));
        assert.deepEqual(verify(rule, { secrets: [`${secret}x`] }, input), REJECT('mismatch'));
      }
    });
  }
});

describe('a missing signature header is missing', () => {
  for (const { name, rule, creds, input } of cases) {
    it(name, () => {
      for (const header of Object.keys(input.headers)) {
        assert.deepEqual(verify(rule, creds, withHeaders(input, withoutHeader(input.headers, header))), REJECT('missing'), header);
      }
      assert.deepEqual(verify(rule, creds, withHeaders(input, {})), REJECT('missing'));
    });
  }
});

describe('a signature header sent twice is malformed', () => {
  for (const { name, rule, creds, input } of cases) {
    it(name, () => {
      for (const [header, value] of Object.entries(input.headers)) {
        const headers: HeaderBag = { ...input.headers, [header]: [value, value] };
        assert.deepEqual(verify(rule, creds, withHeaders(input, headers)), REJECT('malformed'), header);
      }
    });
  }

  it('a header delivered as a one-element array is read as that value', () => {
    const { rule, creds, input } = cases[0];
    const [[header, value]] = Object.entries(input.headers);
    assert.deepEqual(verify(rule, creds, withHeaders(input, { [header]: [value] })), OK);
  });
});

describe('JobServ: the exact bytes Python sent, signed with the UTF-8 bytes of the secret', () => {
  const jobserv = cases.filter((c) => c.rule === KINDS.jobserv.verify);
  const found = jobserv.find((c) => c.input.body.includes('\\u00e9'));
  const escapedCase = (): Case => {
    assert.ok(found, 'the vector with \\u escapes exists');
    return found;
  };

  it('vector 2 carries \\uXXXX escapes and a non-ASCII secret', () => {
    const escaped = escapedCase();
    assert.ok(/[^\x00-\x7f]/.test(escaped.creds.secrets[0]));
    assert.deepEqual(verify(escaped.rule, escaped.creds, escaped.input), OK);
  });

  it('re-serialising the parsed body breaks the signature', () => {
    const escaped = escapedCase();
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(escaped.input.body.toString('utf8'))), 'utf8');
    assert.notDeepEqual(reserialised, escaped.input.body);
    assert.deepEqual(verify(escaped.rule, escaped.creds, withBody(escaped.input, reserialised)), REJECT('mismatch'));
  });

  it('the secret as Latin-1 bytes would not have matched', () => {
    const escaped = escapedCase();
    const latin1Digest = createHmac('sha256', Buffer.from(escaped.creds.secrets[0], 'latin1')).update(escaped.input.body).digest('hex');
    const headers = { 'x-jobserv-sig': `sha256:${latin1Digest}` };
    assert.deepEqual(verify(escaped.rule, escaped.creds, withHeaders(escaped.input, headers)), REJECT('mismatch'));
  });
});

describe('rotation: every configured secret is tried', () => {
  for (const { name, rule, creds, input } of cases) {
    it(name, () => {
      const [secret] = creds.secrets;
      const old = otherSecret(rule, secret);
      assert.deepEqual(verify(rule, { secrets: [old, secret] }, input), OK);
      assert.deepEqual(verify(rule, { secrets: [secret, old] }, input), OK);
      assert.deepEqual(verify(rule, { secrets: [old, otherSecret(rule, secret)] }, input), REJECT('mismatch'));
    });
  }
});

describe('hmac: hex digests in either case, prefix label in either case', () => {
  const hexCases = cases.filter(isHmac).filter((c) => c.rule.encoding === 'hex');
  for (const { name, rule, creds, input } of hexCases) {
    it(name, () => {
      const value = input.headers[rule.header];
      const digest = value.slice(rule.prefix.length);
      assert.match(digest, /[a-f]/, 'the digest has letters to up-case');
      for (const variant of [rule.prefix + digest.toUpperCase(), rule.prefix.toUpperCase() + digest, value.toUpperCase()]) {
        assert.deepEqual(verify(rule, creds, withHeaders(input, { [rule.header]: variant })), OK, variant);
      }
    });
  }
});

describe('hmac: a signature that cannot be the digest is a mismatch, never an exception', () => {
  for (const { name, rule, creds, input } of cases.filter(isHmac)) {
    it(name, () => {
      const digest = input.headers[rule.header].slice(rule.prefix.length);
      const bad = [
        '',
        digest.slice(0, -1),
        digest.slice(0, -2),
        `${digest}00`,
        `${digest}0`,
        `${digest.slice(0, -2)}zz`,
        `zz${digest.slice(2)}`,
        Buffer.from(digest, 'hex').toString('base64'),
        `${digest} `.repeat(2),
        '\u2603'.repeat(64),
      ];
      for (const signature of bad) {
        const headers = { [rule.header]: rule.prefix + signature };
        assert.deepEqual(verify(rule, creds, withHeaders(input, headers)), REJECT('mismatch'), JSON.stringify(signature));
      }
    });
  }

  it('a value without the prefix is malformed', () => {
    const first = cases[0];
    assert.ok(isHmac(first), 'the first vector is an hmac one');
    const { rule, creds, input } = first;
    const digest = input.headers[rule.header].slice(rule.prefix.length);
    for (const value of [digest, `sha1:${digest}`, `sha256=${digest}`]) {
      assert.deepEqual(verify(rule, creds, withHeaders(input, { [rule.header]: value })), REJECT('malformed'), value);
    }
  });

  it('base64 digests are compared as standard base64', () => {
    const rule: VerifyRule = { type: 'hmac', header: 'x-shopify-hmac-sha256', algorithm: 'sha256', encoding: 'base64', prefix: '' };
    const secret = 'shpss_secret';
    // A body whose digest has + and / in base64, so the url-safe spelling differs.
    let body = Buffer.alloc(0);
    let digest = '';
    for (let n = 0; !/[+/]/.test(digest); n++) {
      body = Buffer.from(`{"n":${n}}`);
      digest = createHmac('sha256', secret).update(body).digest('base64');
    }
    const check = (value: string): Verdict => verify(rule, { secrets: [secret] }, { body, headers: { [rule.header]: value } });
    assert.deepEqual(check(digest), OK);
    assert.deepEqual(check(digest.replace(/=+$/, '')), REJECT('mismatch'));
    assert.deepEqual(check(digest.replaceAll('+', '-').replaceAll('/', '_')), REJECT('mismatch'));
    assert.deepEqual(check(createHmac('sha256', secret).update(body).digest('hex')), REJECT('mismatch'));
  });
});

describe('tokens: header, Authorization: Bearer, or ?token=', () => {
  const token = 'tok_3xampleT0ken';
  const creds = { secrets: [token] };
  const body = Buffer.from('{"any":"body"}');
  const check = (headers: HeaderBag, query?: URLSearchParams): Verdict => verify(TOKEN_RULE, creds, query ? { body, headers, query } : { body, headers });

  it('is accepted from the token header', () => {
    assert.deepEqual(check({ 'x-hookd-token': token }), OK);
  });

  it('is accepted from a Bearer authorization, scheme in any case', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      assert.deepEqual(check({ authorization: `${scheme} ${token}` }), OK, scheme);
    }
  });

  it('is accepted from the token query parameter', () => {
    assert.deepEqual(check({}, new URLSearchParams({ token })), OK);
  });

  it('is read from the header a source names in tokenHeader', () => {
    const rule: VerifyRule = { type: 'token', header: 'X-Aurora-Token' };
    assert.deepEqual(verify(rule, creds, { body, headers: { 'x-aurora-token': token } }), OK);
    assert.deepEqual(verify(rule, creds, { body, headers: { 'x-hookd-token': token } }), REJECT('missing'));
  });

  it('a wrong token in any carrier is a mismatch', () => {
    for (const wrong of ['tok_3xampleT0kem', `${token}x`, token.slice(0, -1), token.toUpperCase(), 'x']) {
      assert.deepEqual(check({ 'x-hookd-token': wrong }), REJECT('mismatch'), wrong);
      assert.deepEqual(check({ authorization: `Bearer ${wrong}` }), REJECT('mismatch'), wrong);
      assert.deepEqual(check({}, new URLSearchParams({ token: wrong })), REJECT('mismatch'), wrong);
    }
  });

  it('no token anywhere is missing; other authorization schemes carry none', () => {
    assert.deepEqual(check({}), REJECT('missing'));
    assert.deepEqual(check({}, new URLSearchParams({ other: token })), REJECT('missing'));
    assert.deepEqual(check({ authorization: `Basic ${Buffer.from(`u:${token}`).toString('base64')}` }), REJECT('missing'));
    assert.deepEqual(check({ authorization: 'Bearer ' }), REJECT('missing'));
    assert.deepEqual(check({ 'x-hookd-token': '' }), REJECT('missing'));
  });

  it('a token sent twice is malformed', () => {
    assert.deepEqual(check({ 'x-hookd-token': [token, token] }), REJECT('malformed'));
    const query = new URLSearchParams([
      ['token', token],
      ['token', token],
    ]);
    assert.deepEqual(check({}, query), REJECT('malformed'));
  });

  it('every configured token is accepted (rotation)', () => {
    const rotated = { secrets: ['old-token', token] };
    assert.deepEqual(verify(TOKEN_RULE, rotated, { body, headers: { 'x-hookd-token': token } }), OK);
    assert.deepEqual(verify(TOKEN_RULE, rotated, { body, headers: { 'x-hookd-token': 'old-token' } }), OK);
  });
});

describe('Standard Webhooks: the timestamp must be within the tolerance', () => {
  const { rule, creds, input } = standardCase();
  const signedAt = Number(input.headers['webhook-timestamp']);

  it('is accepted up to toleranceSeconds either side of now', () => {
    assert.equal(rule.toleranceSeconds, 300);
    for (const skew of [-300, -1, 0, 1, 300]) {
      assert.deepEqual(verify(rule, creds, { ...input, nowSeconds: signedAt + skew }), OK, `skew ${skew}`);
    }
  });

  it('is expired when too old or too far in the future', () => {
    for (const skew of [301, 3600, -301, -3600]) {
      assert.deepEqual(verify(rule, creds, { ...input, nowSeconds: signedAt + skew }), REJECT('expired'), `skew ${skew}`);
    }
  });

  it('defaults to the clock', () => {
    const body = Buffer.from('{"now":true}');
    const [secret] = creds.secrets;
    assert.deepEqual(verify(rule, creds, { body, headers: sign(rule, secret, body) }), OK);
    const stale = sign(rule, secret, body, { timestampSeconds: Math.floor(Date.now() / 1000) - 3600 });
    assert.deepEqual(verify(rule, creds, { body, headers: stale }), REJECT('expired'));
  });

  it('is checked before the signature', () => {
    const forged = { ...input.headers, 'webhook-signature': 'v1,AAAA' };
    assert.deepEqual(verify(rule, creds, { ...input, headers: forged, nowSeconds: signedAt + 301 }), REJECT('expired'));
  });

  it('a non-numeric or fractional timestamp is malformed', () => {
    for (const timestamp of ['', 'soon', '1614265330.0', '-1614265330', '1614265330 ', '0x603829f2', '1e9']) {
      const headers = { ...input.headers, 'webhook-timestamp': timestamp };
      assert.deepEqual(verify(rule, creds, { ...input, headers }), REJECT('malformed'), JSON.stringify(timestamp));
    }
  });

  it('a re-dated message does not verify: the timestamp is signed', () => {
    const headers = { ...input.headers, 'webhook-timestamp': String(signedAt + 1) };
    assert.deepEqual(verify(rule, creds, { ...input, headers }), REJECT('mismatch'));
  });

  it('a message with another id does not verify: the id is signed', () => {
    const headers = { ...input.headers, 'webhook-id': `${input.headers['webhook-id']}x` };
    assert.deepEqual(verify(rule, creds, { ...input, headers }), REJECT('mismatch'));
  });
});

describe('Standard Webhooks: a signature list matches if any entry does', () => {
  const { rule, creds, input } = standardCase();
  const valid = input.headers['webhook-signature'];
  const checkList = (list: string): Verdict => verify(rule, creds, { ...input, headers: { ...input.headers, 'webhook-signature': list } });

  it('only the last of several signatures is valid', () => {
    const wrong = `v1,${randomBytes(32).toString('base64')}`;
    const v1a = `v1a,${randomBytes(64).toString('base64')}`;
    assert.deepEqual(checkList(`${wrong} ${v1a} v2,whatever ${wrong} ${valid}`), OK);
  });

  it('no valid entry is a mismatch', () => {
    const wrong = `v1,${randomBytes(32).toString('base64')}`;
    assert.deepEqual(checkList(`${wrong} ${wrong}`), REJECT('mismatch'));
    assert.deepEqual(checkList(valid.replace('v1,', 'v2,')), REJECT('mismatch'));
    assert.deepEqual(checkList(valid.replace('v1,', 'v1a,')), REJECT('mismatch'));
    assert.deepEqual(checkList(`${valid.slice(0, -1)}A`), REJECT('mismatch'));
    assert.deepEqual(checkList(valid.replace('=', '')), REJECT('mismatch'));
  });

  it('a list with no version,signature entry is malformed', () => {
    for (const list of ['', ' ', valid.slice(3), 'garbage']) {
      assert.deepEqual(checkList(list), REJECT('malformed'), JSON.stringify(list));
    }
  });

  it('several whsec_ secrets are each tried', () => {
    const more = { secrets: [generateSecret(rule), ...creds.secrets] };
    assert.deepEqual(verify(rule, more, input), OK);
  });

  it('a secret without the whsec_ prefix is base64 too', () => {
    const bare = { secrets: [creds.secrets[0].slice('whsec_'.length)] };
    assert.deepEqual(verify(rule, bare, input), OK);
  });
});

describe('Standard Webhooks: v1a ed25519 signatures with publicKeys', () => {
  const body = Buffer.from('{"type":"contact.created","data":{"id":"1f81eb52"}}');
  const keys = ed25519KeyPair();
  const nowSeconds = 1_700_000_000;
  const headers = sign(STANDARD_RULE, '', body, { id: 'msg_v1a', timestampSeconds: nowSeconds, privateKey: keys.privateKey });

  it('sign() with a private key writes a v1a entry', () => {
    assert.match(headers['webhook-signature'], /^v1a,[A-Za-z0-9+/]{86}==$/);
  });

  it('verifies against the matching whpk_ public key, without any secret', () => {
    assert.deepEqual(verify(STANDARD_RULE, { secrets: [], publicKeys: [keys.publicKey] }, { body, headers, nowSeconds }), OK);
  });

  it('another public key, a changed body or no public key is a mismatch', () => {
    const other = ed25519KeyPair().publicKey;
    assert.deepEqual(verify(STANDARD_RULE, { secrets: [], publicKeys: [other] }, { body, headers, nowSeconds }), REJECT('mismatch'));
    const changed = Buffer.from(body);
    changed[changed.length - 2] ^= 1;
    const withKey = { secrets: [], publicKeys: [keys.publicKey] };
    assert.deepEqual(verify(STANDARD_RULE, withKey, { body: changed, headers, nowSeconds }), REJECT('mismatch'));
    const secretOnly = { secrets: [generateSecret(STANDARD_RULE)] };
    assert.deepEqual(verify(STANDARD_RULE, secretOnly, { body, headers, nowSeconds }), REJECT('mismatch'));
  });

  it('an entry is checked only under its own version label', () => {
    const signature = headers['webhook-signature'].slice('v1a,'.length);
    const withKey = { secrets: [], publicKeys: [keys.publicKey] };
    for (const label of ['v1', 'v2', 'v1b', 'V1A']) {
      const relabelled = { ...headers, 'webhook-signature': `${label},${signature}` };
      assert.deepEqual(verify(STANDARD_RULE, withKey, { body, headers: relabelled, nowSeconds }), REJECT('mismatch'), label);
    }
  });

  it('a key rotation list and unusable keys are tolerated', () => {
    const creds = { secrets: [], publicKeys: ['whpk_AAAA', 'not base64 at all', ed25519KeyPair().publicKey, keys.publicKey] };
    assert.deepEqual(verify(STANDARD_RULE, creds, { body, headers, nowSeconds }), OK);
  });

  it('v1 and v1a side by side: either credential verifies', () => {
    const secret = generateSecret(STANDARD_RULE);
    const both = sign(STANDARD_RULE, secret, body, { timestampSeconds: nowSeconds, privateKey: keys.privateKey });
    assert.match(both['webhook-signature'], /^v1,\S+ v1a,\S+$/);
    assert.deepEqual(verify(STANDARD_RULE, { secrets: [secret] }, { body, headers: both, nowSeconds }), OK);
    assert.deepEqual(verify(STANDARD_RULE, { secrets: [], publicKeys: [keys.publicKey] }, { body, headers: both, nowSeconds }), OK);
  });
});

describe('Standard Webhooks: svix-* headers are aliases', () => {
  const { rule, creds, input } = standardCase();
  const svix = Object.fromEntries(Object.entries(input.headers).map(([name, value]) => [name.replace(/^webhook-/, 'svix-'), value]));

  it('svix-id, svix-timestamp and svix-signature verify', () => {
    assert.deepEqual(Object.keys(svix).sort(), ['svix-id', 'svix-signature', 'svix-timestamp']);
    assert.deepEqual(verify(rule, creds, { ...input, headers: svix }), OK);
  });

  it('the aliases are held to the same checks', () => {
    const changed = Buffer.from(input.body);
    changed[0] ^= 1;
    assert.deepEqual(verify(rule, creds, { ...input, body: changed, headers: svix }), REJECT('mismatch'));
    assert.deepEqual(verify(rule, creds, { ...input, headers: svix, nowSeconds: input.nowSeconds + 301 }), REJECT('expired'));
    assert.deepEqual(verify(rule, creds, { ...input, headers: withoutHeader(svix, 'svix-id') }), REJECT('missing'));
  });
});

describe('a source with no secret is no-secret; verify: none passes', () => {
  for (const [kind, { verify: rule }] of Object.entries(KINDS)) {
    if (rule === null) continue;
    it(kind, () => {
      const input = { body: Buffer.from('{}'), headers: { 'x-hookd-token': 'x', authorization: 'Bearer x' } };
      assert.deepEqual(verify(rule, { secrets: [] }, input), REJECT('no-secret'));
      assert.deepEqual(verify(rule, { secrets: [''] }, input), REJECT('no-secret'));
    });
  }

  it('none', () => {
    assert.deepEqual(verify({ type: 'none' }, { secrets: [] }, { body: Buffer.from('x'), headers: {} }), OK);
  });
});

describe('sign() writes what verify() accepts, for every rule', () => {
  const hmacRules = (['sha1', 'sha256', 'sha512'] as const).flatMap((algorithm) =>
    (['hex', 'base64'] as const).map((encoding): HmacRule => ({ type: 'hmac', header: 'x-signature', algorithm, encoding, prefix: `${algorithm}=` })),
  );
  const presets = Object.entries(KINDS).flatMap(([kind, preset]): [string, VerifyRule][] => (preset.verify !== null ? [[kind, preset.verify]] : []));
  const rules: [string, VerifyRule][] = [...presets, ...hmacRules.map((r): [string, VerifyRule] => [`hmac ${r.algorithm} ${r.encoding}`, r])];
  const body = Buffer.from('{"status": "PASSED", "reason": "caf\\u00e9", "bytes": "\u00ff\u0000"}', 'utf8');

  for (const [name, rule] of rules) {
    it(name, () => {
      const secret = generateSecret(rule);
      const headers = sign(rule, secret, body, { id: 'msg_1', timestampSeconds: 1_700_000_000 });
      const input = { body, headers, nowSeconds: 1_700_000_000 };
      assert.deepEqual(verify(rule, { secrets: [secret] }, input), OK);
      assert.deepEqual(verify(rule, { secrets: [generateSecret(rule)] }, input), REJECT('mismatch'));
    });
  }

  it('jobserv: sign() reproduces the vector header exactly', () => {
    for (const { rule, creds, input } of cases.filter((c) => c.rule.type === 'hmac')) {
      assert.deepEqual(sign(rule, creds.secrets[0], input.body), input.headers);
    }
  });

  it('standard: sign() reproduces the vector header exactly', () => {
    const { rule, creds, input } = standardCase();
    const headers = sign(rule, creds.secrets[0], input.body, {
      id: input.headers['webhook-id'],
      timestampSeconds: Number(input.headers['webhook-timestamp']),
    });
    assert.deepEqual(headers, input.headers);
  });

  it('standard: defaults give a fresh msg_ id and the current time', () => {
    const secret = generateSecret(STANDARD_RULE);
    const a = sign(STANDARD_RULE, secret, body);
    const b = sign(STANDARD_RULE, secret, body);
    assert.match(a['webhook-id'], /^msg_[A-Za-z0-9_-]+$/);
    assert.notEqual(a['webhook-id'], b['webhook-id']);
    assert.ok(Math.abs(Number(a['webhook-timestamp']) - Date.now() / 1000) < 5);
  });

  it('none: no headers', () => {
    assert.deepEqual(sign({ type: 'none' }, 'x', body), {});
  });
});

describe('generateSecret(): 32 random bytes in the form the sender expects', () => {
  it('standard: whsec_ and base64', () => {
    const secret = generateSecret(STANDARD_RULE);
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
  });

  it('others: URL-safe base64 without padding', () => {
    for (const rule of [presetRule('jobserv'), TOKEN_RULE, presetRule('shotgrid')]) {
      const secret = generateSecret(rule);
      assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(secret, 'base64url').length, 32);
    }
  });

  it('never repeats', () => {
    const seen = new Set(Array.from({ length: 100 }, () => generateSecret(TOKEN_RULE)));
    assert.equal(seen.size, 100);
  });
});

describe('a verdict never reveals the expected value', () => {
  for (const { name, rule, creds, input } of cases) {
    it(name, () => {
      const changed = Buffer.from(input.body);
      changed[0] ^= 1;
      const [secret] = creds.secrets;
      // What a careless verifier might echo back: the digest it expected, in every spelling.
      const expected = Object.values(
        sign(rule, secret, changed, {
          id: input.headers['webhook-id'],
          timestampSeconds: Number(input.headers['webhook-timestamp']),
        }),
      );
      const leaks = expected.flatMap((value) => {
        const digest = value.replace(/^[^=:,]*[=:,]/, '');
        const hex = /^[0-9a-f]+$/.test(digest) ? digest : Buffer.from(digest, 'base64').toString('hex');
        return [value, digest, hex, hex.toUpperCase(), Buffer.from(hex, 'hex').toString('base64'), secret];
      });
      const attempts: [Credentials, VerifyInput][] = [
        [creds, withBody(input, changed)],
        [creds, withHeaders(input, {})],
        [{ secrets: [otherSecret(rule, secret)] }, input],
      ];
      for (const [attemptCreds, attempt] of attempts) {
        const verdict = verify(rule, attemptCreds, attempt);
        assert.equal(verdict.ok, false);
        assert.deepEqual(Object.keys(verdict), ['ok', 'reason']);
        const text = JSON.stringify(verdict);
        for (const leak of leaks) assert.ok(!text.includes(leak), `verdict ${text} contains ${leak}`);
      }
    });
  }
});
