import { createHmac, createPrivateKey, randomBytes, sign as signBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import type { VerifyRule } from './types.js';
import { standardSecretBytes } from './verify.js';

export interface SignOptions {
  /** Standard Webhooks `webhook-id`; default `msg_` + random. */
  id?: string;
  /** Standard Webhooks `webhook-timestamp`; default now. */
  timestampSeconds?: number;
  /** Standard Webhooks `whsk_<base64>` ed25519 private key: adds a `v1a` signature. */
  privateKey?: string;
}

/**
 * The headers the real sender would add to `body`, so `hookd sign` / `hookd send` and the tests
 * produce exactly what verify() checks.
 */
export function sign(rule: VerifyRule, secret: string, body: Buffer, opts: SignOptions = {}): Record<string, string> {
  switch (rule.type) {
    case 'none':
      return {};
    case 'token':
      return { [rule.header]: secret };
    case 'hmac': {
      const digest = createHmac(rule.algorithm, Buffer.from(secret, 'utf8')).update(body).digest(rule.encoding);
      return { [rule.header]: rule.prefix + digest };
    }
    case 'standard': {
      const id = opts.id ?? `msg_${randomBytes(16).toString('base64url')}`;
      const timestamp = String(opts.timestampSeconds ?? Math.floor(Date.now() / 1000));
      const signedContent = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body]);
      const signatures: string[] = [];
      if (secret !== '') {
        signatures.push(`v1,${createHmac('sha256', standardSecretBytes(secret)).update(signedContent).digest('base64')}`);
      }
      if (opts.privateKey !== undefined) {
        signatures.push(`v1a,${signBytes(null, signedContent, ed25519PrivateKey(opts.privateKey)).toString('base64')}`);
      }
      return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
    }
  }
}

/** A strong secret in the form the sender expects: `whsec_<base64>` for Standard Webhooks. */
export function generateSecret(rule: VerifyRule): string {
  const bytes = randomBytes(32);
  return rule.type === 'standard' ? `whsec_${bytes.toString('base64')}` : bytes.toString('base64url');
}

/** An ed25519 PKCS#8 private key is this fixed DER header followed by the 32-byte seed. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** `whsk_<base64>` of the 32-byte seed (or of seed ‖ public key, as libsodium stores it). */
function ed25519PrivateKey(privateKey: string): KeyObject {
  const raw = Buffer.from(privateKey.startsWith('whsk_') ? privateKey.slice('whsk_'.length) : privateKey, 'base64');
  if (raw.length !== 32 && raw.length !== 64) throw new Error('an ed25519 private key is 32 (or 64) bytes of base64 after whsk_');
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, raw.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
}
