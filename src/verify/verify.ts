import { createHash, createHmac, createPublicKey, timingSafeEqual, verify as verifySignature } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import type { Credentials, HeaderBag, HmacAlgorithm, RejectReason, Verdict, VerifyInput, VerifyRule } from './types.js';

const OK: Verdict = { ok: true };
const reject = (reason: RejectReason): Verdict => ({ ok: false, reason });

/**
 * Decides whether a request was sent by the holder of one of `creds`, from its raw bytes alone.
 * Never throws on request input; a verdict never carries the expected value.
 */
export function verify(rule: VerifyRule, creds: Credentials, input: VerifyInput): Verdict {
  if (rule.type === 'none') return OK;
  // An empty secret would make an empty token (or a keyless HMAC) pass: treat it as absent.
  const secrets = creds.secrets.filter((secret) => secret.length > 0);
  const publicKeys = rule.type === 'standard' ? (creds.publicKeys ?? []) : [];
  if (secrets.length === 0 && publicKeys.length === 0) return reject('no-secret');

  switch (rule.type) {
    case 'hmac':
      return verifyHmacSignature(rule, secrets, input);
    case 'token':
      return verifyToken(rule.header, secrets, input);
    case 'standard':
      return verifyStandardWebhook(rule.toleranceSeconds, secrets, publicKeys, input);
  }
}

type HmacRule = Extract<VerifyRule, { type: 'hmac' }>;

function verifyHmacSignature(rule: HmacRule, secrets: string[], input: VerifyInput): Verdict {
  const header = readHeader(input.headers, rule.header);
  if (header.state !== 'one') return reject(header.state);
  const value = header.value.trim();
  // Senders differ in the case of the algorithm label (`sha256=` vs `SHA256=`).
  if (value.slice(0, rule.prefix.length).toLowerCase() !== rule.prefix.toLowerCase()) return reject('malformed');

  const provided = decodeStrict(value.slice(rule.prefix.length), rule.encoding);
  if (provided === null) return reject('mismatch');
  const matched = anyOf(secrets, (secret) => equalBytes(provided, hmac(rule.algorithm, Buffer.from(secret, 'utf8'), input.body)));
  return matched ? OK : reject('mismatch');
}

function verifyToken(tokenHeader: string, secrets: string[], input: VerifyInput): Verdict {
  const carriers = [readHeader(input.headers, tokenHeader), readBearer(input.headers), readQueryToken(input.query)];
  if (carriers.some((carrier) => carrier.state === 'malformed')) return reject('malformed');
  const tokens = carriers.flatMap((carrier) => (carrier.state === 'one' && carrier.value !== '' ? [carrier.value] : []));
  if (tokens.length === 0) return reject('missing');

  // Comparing digests keeps the compare constant-time and the secret's length out of the timing.
  const secretDigests = secrets.map(sha256);
  const matched = anyOf(tokens, (token) => {
    const tokenDigest = sha256(token);
    return anyOf(secretDigests, (secretDigest) => timingSafeEqual(tokenDigest, secretDigest));
  });
  return matched ? OK : reject('mismatch');
}

/** https://www.standardwebhooks.com — `svix-*` is the same scheme under its original header names. */
function verifyStandardWebhook(toleranceSeconds: number, secrets: string[], publicKeys: string[], input: VerifyInput): Verdict {
  const id = readHeader(input.headers, 'webhook-id', 'svix-id');
  const timestamp = readHeader(input.headers, 'webhook-timestamp', 'svix-timestamp');
  const signatures = readHeader(input.headers, 'webhook-signature', 'svix-signature');
  for (const header of [id, timestamp, signatures]) if (header.state === 'malformed') return reject('malformed');
  if (id.state !== 'one' || timestamp.state !== 'one' || signatures.state !== 'one') return reject('missing');

  if (!/^\d+$/.test(timestamp.value)) return reject('malformed');
  const nowSeconds = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp.value)) > toleranceSeconds) return reject('expired');

  const entries = signatures.value.split(' ').flatMap((entry) => {
    const comma = entry.indexOf(',');
    return comma > 0 ? [{ version: entry.slice(0, comma), signature: entry.slice(comma + 1) }] : [];
  });
  if (entries.length === 0) return reject('malformed');

  const signedContent = Buffer.concat([Buffer.from(`${id.value}.${timestamp.value}.`, 'utf8'), input.body]);
  const hmacKeys = secrets.map(standardSecretBytes).filter((key) => key.length > 0);
  const verifyKeys = publicKeys.flatMap((publicKey) => {
    const key = ed25519PublicKey(publicKey);
    return key ? [key] : [];
  });

  const matched = anyOf(entries, ({ version, signature }) => {
    const provided = decodeStrict(signature, 'base64');
    if (provided === null) return false;
    if (version === 'v1') {
      return anyOf(hmacKeys, (key) => equalBytes(provided, hmac('sha256', key, signedContent)));
    }
    if (version === 'v1a' && provided.length === 64) {
      return anyOf(verifyKeys, (key) => verifySignature(null, signedContent, key, provided));
    }
    return false;
  });
  return matched ? OK : reject('mismatch');
}

type HeaderRead = { state: 'one'; value: string } | { state: 'missing' } | { state: 'malformed' };

/** The first of `names` present; a header sent twice is ambiguous, so malformed. */
function readHeader(headers: HeaderBag, ...names: string[]): HeaderRead {
  for (const name of names) {
    const value = headers[name.toLowerCase()];
    if (value === undefined) continue;
    if (typeof value === 'string') return { state: 'one', value };
    if (value.length > 1) return { state: 'malformed' };
    if (value.length === 1) return { state: 'one', value: value[0] as string };
  }
  return { state: 'missing' };
}

/** `Authorization: Bearer <token>`; other schemes (Basic, …) carry no token for us. */
function readBearer(headers: HeaderBag): HeaderRead {
  const authorization = readHeader(headers, 'authorization');
  if (authorization.state !== 'one') return authorization;
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization.value.trim());
  return match?.[1] ? { state: 'one', value: match[1] } : { state: 'missing' };
}

function readQueryToken(query: URLSearchParams | undefined): HeaderRead {
  const values = query?.getAll('token') ?? [];
  if (values.length > 1) return { state: 'malformed' };
  return values[0] === undefined ? { state: 'missing' } : { state: 'one', value: values[0] };
}

/**
 * Decodes only canonical text: Buffer.from silently skips bad characters, so the bytes are
 * re-encoded and compared. Only the sender's own value is involved, never a secret.
 */
function decodeStrict(text: string, encoding: 'hex' | 'base64'): Buffer | null {
  const bytes = Buffer.from(text, encoding);
  const canonical = encoding === 'hex' ? text.toLowerCase() : text;
  return bytes.length > 0 && bytes.toString(encoding) === canonical ? bytes : null;
}

function equalBytes(provided: Buffer, expected: Buffer): boolean {
  return provided.length === expected.length && timingSafeEqual(provided, expected);
}

/** Like Array.some, but visits every item, so the time taken does not say which secret matched. */
function anyOf<T>(items: readonly T[], test: (item: T) => boolean): boolean {
  let matched = false;
  for (const item of items) matched = test(item) || matched;
  return matched;
}

function hmac(algorithm: HmacAlgorithm, key: Buffer, content: Buffer): Buffer {
  return createHmac(algorithm, key).update(content).digest();
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** `whsec_<base64>`; a secret without the prefix is base64 too, as the reference libraries read it. */
export function standardSecretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** An ed25519 SubjectPublicKeyInfo is this fixed DER header followed by the 32 raw key bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** `whpk_<base64 of the 32 raw key bytes>`; anything else is unusable and skipped. */
function ed25519PublicKey(publicKey: string): KeyObject | null {
  const raw = Buffer.from(publicKey.startsWith('whpk_') ? publicKey.slice('whpk_'.length) : publicKey, 'base64');
  if (raw.length !== 32) return null;
  try {
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}
