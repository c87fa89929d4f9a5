// Properties of verify()/sign() over random bodies and secrets, for every rule type (README → Senders).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';

import { verify, sign } from '../dist/verify/index.js';
import { KINDS } from '../dist/senders/kinds.js';
import type { HeaderBag, Verdict, VerifyInput, VerifyRule } from '../dist/verify/index.js';

type HmacRule = Extract<VerifyRule, { type: 'hmac' }>;

const RUNS = { numRuns: 200 };
const NOW = 1_700_000_000;

const hmacRules = (['sha1', 'sha256', 'sha512'] as const).flatMap((algorithm) =>
  (['hex', 'base64'] as const).map((encoding): HmacRule => ({ type: 'hmac', header: 'x-signature', algorithm, encoding, prefix: `${algorithm}=` })),
);
const TOKEN_RULE: VerifyRule = { type: 'token', header: 'x-hookd-token' };
const STANDARD_RULE: VerifyRule = { type: 'standard', toleranceSeconds: 300 };

const body: Arbitrary<Buffer> = fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes));
const nonEmptyBody: Arbitrary<Buffer> = fc.uint8Array({ minLength: 1, maxLength: 2048 }).map((bytes) => Buffer.from(bytes));

/** A body and a copy of it with one byte (at a random index) set to a different value. */
const bodyAndOneByteChange: Arbitrary<[Buffer, Buffer]> = fc
  .tuple(nonEmptyBody, fc.nat(), fc.integer({ min: 1, max: 255 }))
  .map(([original, index, delta]): [Buffer, Buffer] => {
    const changed = Buffer.from(original);
    const at = index % original.length;
    changed[at] = (changed[at] + delta) % 256;
    return [original, changed];
  });

// HMAC pads a key shorter than its block with zero bytes, so `k` and `k\0` are the same key:
// two secrets are "different" only if they differ once trailing zero bytes are dropped.
const withoutTrailingZeros = (bytes: Uint8Array): string => {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return Buffer.from(bytes.subarray(0, end)).toString('hex');
};
const differentHmacKeys = (a: Uint8Array, b: Uint8Array): boolean => withoutTrailingZeros(a) !== withoutTrailingZeros(b);

/** Any Unicode text: the secret is used as its UTF-8 bytes. Capped below the 64-byte HMAC block. */
const textSecret: Arbitrary<string> = fc.string({ unit: 'binary', minLength: 1, maxLength: 16 });
/** `whsec_` + base64 of random key bytes. */
const standardSecret: Arbitrary<string> = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`);
const standardKeyBytes = (secret: string): Buffer => Buffer.from(secret.slice('whsec_'.length), 'base64');
/** What a token can be on the wire: visible ASCII, no spaces. */
const token: Arbitrary<string> = fc.stringMatching(/^[!-~]{1,64}$/);

/** A signed request as verify() takes it, with the headers as sign() wrote them. */
interface Signed {
  body: Buffer;
  headers: Record<string, string>;
}
const check = (rule: VerifyRule, secrets: string[], input: VerifyInput): Verdict => verify(rule, { secrets }, { nowSeconds: NOW, ...input });
const signed = (rule: VerifyRule, secret: string, bytes: Buffer): Signed => ({ body: bytes, headers: sign(rule, secret, bytes, { timestampSeconds: NOW }) });

for (const rule of hmacRules) {
  describe(`hmac ${rule.algorithm} ${rule.encoding}`, () => {
    it('any body signed with any secret verifies', () => {
      fc.assert(
        fc.property(body, textSecret, (bytes, secret) => check(rule, [secret], signed(rule, secret, bytes)).ok),
        RUNS,
      );
    });

    it('a change to any one byte of the body is rejected', () => {
      fc.assert(
        fc.property(bodyAndOneByteChange, textSecret, ([original, changed], secret) => {
          const { headers } = signed(rule, secret, original);
          assert.deepEqual(check(rule, [secret], { body: changed, headers }), { ok: false, reason: 'mismatch' });
        }),
        RUNS,
      );
    });

    it('a different secret is rejected', () => {
      fc.assert(
        fc.property(body, textSecret, textSecret, (bytes, secret, other) => {
          fc.pre(differentHmacKeys(Buffer.from(secret, 'utf8'), Buffer.from(other, 'utf8')));
          assert.deepEqual(check(rule, [other], signed(rule, secret, bytes)), { ok: false, reason: 'mismatch' });
        }),
        RUNS,
      );
    });
  });
}

describe('token', () => {
  type Carrier = 'header' | 'bearer' | 'query';
  const carry = (carrier: Carrier, value: string): { headers: HeaderBag; query?: URLSearchParams } => {
    if (carrier === 'header') return { headers: { 'x-hookd-token': value } };
    if (carrier === 'bearer') return { headers: { authorization: `Bearer ${value}` } };
    return { headers: {}, query: new URLSearchParams({ token: value }) };
  };
  const carrier: Arbitrary<Carrier> = fc.constantFrom('header', 'bearer', 'query');

  it('any body with the token in any carrier verifies', () => {
    fc.assert(
      fc.property(body, token, carrier, (bytes, secret, via) => {
        assert.deepEqual(sign(TOKEN_RULE, secret, bytes), { 'x-hookd-token': secret });
        return check(TOKEN_RULE, [secret], { body: bytes, ...carry(via, secret) }).ok;
      }),
      RUNS,
    );
  });

  // A token does not sign the body, so the property that matters is the token itself: any one
  // character changed, dropped or added is rejected.
  it('a token changed in any one character is rejected', () => {
    const edit = fc.tuple(token, fc.nat(), fc.constantFrom('change', 'drop', 'add'), fc.stringMatching(/^[!-~]$/));
    fc.assert(
      fc.property(body, edit, carrier, (bytes, [secret, index, how, char], via) => {
        const at = index % secret.length;
        const sent =
          how === 'drop'
            ? secret.slice(0, at) + secret.slice(at + 1)
            : how === 'add'
              ? secret.slice(0, at) + char + secret.slice(at)
              : secret.slice(0, at) + char + secret.slice(at + 1);
        fc.pre(sent !== secret && sent !== '');
        assert.deepEqual(check(TOKEN_RULE, [secret], { body: bytes, ...carry(via, sent) }), { ok: false, reason: 'mismatch' });
      }),
      RUNS,
    );
  });

  it('a different token is rejected', () => {
    fc.assert(
      fc.property(body, token, token, carrier, (bytes, secret, other, via) => {
        fc.pre(secret !== other);
        assert.deepEqual(check(TOKEN_RULE, [other], { body: bytes, ...carry(via, secret) }), { ok: false, reason: 'mismatch' });
      }),
      RUNS,
    );
  });
});

describe('standard', () => {
  it('any body signed with any whsec_ secret verifies', () => {
    fc.assert(
      fc.property(body, standardSecret, (bytes, secret) => check(STANDARD_RULE, [secret], signed(STANDARD_RULE, secret, bytes)).ok),
      RUNS,
    );
  });

  it('a change to any one byte of the body is rejected', () => {
    fc.assert(
      fc.property(bodyAndOneByteChange, standardSecret, ([original, changed], secret) => {
        const { headers } = signed(STANDARD_RULE, secret, original);
        assert.deepEqual(check(STANDARD_RULE, [secret], { body: changed, headers }), { ok: false, reason: 'mismatch' });
      }),
      RUNS,
    );
  });

  it('a different secret is rejected', () => {
    fc.assert(
      fc.property(body, standardSecret, standardSecret, (bytes, secret, other) => {
        fc.pre(differentHmacKeys(standardKeyBytes(secret), standardKeyBytes(other)));
        assert.deepEqual(check(STANDARD_RULE, [other], signed(STANDARD_RULE, secret, bytes)), { ok: false, reason: 'mismatch' });
      }),
      RUNS,
    );
  });

  it('any timestamp outside the tolerance is expired, inside it verifies', () => {
    const skew = fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.constantFrom(-301, -300, 300, 301));
    fc.assert(
      fc.property(body, standardSecret, skew, (bytes, secret, skew) => {
        const verdict = check(STANDARD_RULE, [secret], { ...signed(STANDARD_RULE, secret, bytes), nowSeconds: NOW + skew });
        assert.deepEqual(verdict, Math.abs(skew) <= 300 ? { ok: true } : { ok: false, reason: 'expired' });
      }),
      RUNS,
    );
  });

  describe('v1a (ed25519)', () => {
    const keyPairs = Array.from({ length: 2 }, () => {
      const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
      assert.ok(jwk.x && jwk.d, 'an ed25519 JWK has x and d');
      const base64 = (base64url: string): string => Buffer.from(base64url, 'base64url').toString('base64');
      return { publicKey: `whpk_${base64(jwk.x)}`, privateKey: `whsk_${base64(jwk.d)}` };
    });
    const [mine, theirs] = keyPairs;
    const signedV1a = (bytes: Buffer): Signed & { nowSeconds: number } => ({
      body: bytes,
      headers: sign(STANDARD_RULE, '', bytes, { timestampSeconds: NOW, privateKey: mine.privateKey }),
      nowSeconds: NOW,
    });
    const checkKeys = (publicKeys: string[], input: VerifyInput): Verdict => verify(STANDARD_RULE, { secrets: [], publicKeys }, input);

    it('any body verifies with the public key, and not with another', () => {
      fc.assert(
        fc.property(body, (bytes) => {
          const input = signedV1a(bytes);
          assert.deepEqual(checkKeys([mine.publicKey], input), { ok: true });
          assert.deepEqual(checkKeys([theirs.publicKey], input), { ok: false, reason: 'mismatch' });
        }),
        { numRuns: 100 },
      );
    });

    it('a change to any one byte of the body is rejected', () => {
      fc.assert(
        fc.property(bodyAndOneByteChange, ([original, changed]) => {
          const input = { ...signedV1a(original), body: changed };
          assert.deepEqual(checkKeys([mine.publicKey], input), { ok: false, reason: 'mismatch' });
        }),
        { numRuns: 100 },
      );
    });
  });
});

describe('every sender kind, with its own rule', () => {
  /** Past the HMAC blocks (64 bytes for SHA-1/SHA-256, 128 for SHA-512), where a key is hashed first. */
  const secretFor = (rule: VerifyRule): Arbitrary<string> =>
    rule.type === 'token'
      ? fc.stringMatching(/^[!-~]{1,200}$/)
      : rule.type === 'standard'
        ? fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`)
        : fc.string({ unit: 'binary', minLength: 1, maxLength: 200 });
  const different = (rule: VerifyRule, a: string, b: string): boolean =>
    rule.type === 'token'
      ? a !== b
      : rule.type === 'standard'
        ? differentHmacKeys(standardKeyBytes(a), standardKeyBytes(b))
        : differentHmacKeys(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

  /**
   * Whether two values of a header say the same to a verifier: a token only if identical; hex
   * digits and the algorithm prefix in either case; a base64 character differing only in the bits
   * the last one leaves unused decodes to the same signature. A Standard Webhooks id and timestamp
   * are signed as they are.
   */
  const base64Decoded = (v: string): string =>
    v
      .split(' ')
      .map((s) => s.split(','))
      .map(([version, sig]) => `${version},${Buffer.from(sig ?? '', 'base64').toString('hex')}`)
      .join(' ');
  const sameMeaning = (rule: VerifyRule, name: string, a: string, b: string): boolean => {
    if (a === b) return true;
    if (rule.type === 'token' || name === 'webhook-id' || name === 'webhook-timestamp') return false;
    if (name === 'webhook-signature') return base64Decoded(a) === base64Decoded(b);
    return a.toLowerCase() === b.toLowerCase();
  };

  const presets = Object.entries(KINDS).flatMap(([kind, k]): [string, VerifyRule][] => (k.verify ? [[kind, k.verify]] : []));
  for (const [kind, rule] of presets) {
    describe(kind, () => {
      const secret = secretFor(rule);

      it('any body signed with a secret of any length verifies', () => {
        fc.assert(
          fc.property(body, secret, (bytes, s) => check(rule, [s], signed(rule, s, bytes)).ok),
          RUNS,
        );
      });

      it('while secrets rotate, either one verifies, and the other alone does not', () => {
        fc.assert(
          fc.property(body, secret, secret, fc.boolean(), (bytes, current, previous, newestFirst) => {
            fc.pre(different(rule, current, previous));
            const input = signed(rule, current, bytes);
            assert.deepEqual(check(rule, newestFirst ? [current, previous] : [previous, current], input), { ok: true });
            assert.equal(check(rule, [previous], input).ok, false);
          }),
          RUNS,
        );
      });

      it('any header it signs with, changed in any one character, is rejected', () => {
        const edit = fc.tuple(fc.nat(), fc.nat(), fc.stringMatching(/^[!-~]$/));
        fc.assert(
          fc.property(body, secret, edit, (bytes, s, [which, index, char]) => {
            const input = signed(rule, s, bytes);
            const names = Object.keys(input.headers);
            const name = names[which % names.length];
            const value = input.headers[name];
            const at = index % value.length;
            const changed = value.slice(0, at) + char + value.slice(at + 1);
            fc.pre(!sameMeaning(rule, name, value, changed));
            assert.equal(check(rule, [s], { ...input, headers: { ...input.headers, [name]: changed } }).ok, false);
          }),
          RUNS,
        );
      });
    });
  }
});
