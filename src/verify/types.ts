/** Node's IncomingHttpHeaders shape: lower-case names. */
export type HeaderBag = Record<string, string | string[] | undefined>;

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';

export type VerifyRule =
  | { type: 'none' }
  /** `<header>: <prefix><digest>` where digest = HMAC(secret, raw body) in hex or base64. */
  | { type: 'hmac'; header: string; algorithm: HmacAlgorithm; encoding: 'hex' | 'base64'; prefix: string }
  /** A shared token in `header`, `Authorization: Bearer`, or `?token=`. */
  | { type: 'token'; header: string }
  /** Standard Webhooks: webhook-id / webhook-timestamp / webhook-signature over `id.timestamp.body`. */
  | { type: 'standard'; toleranceSeconds: number };

export interface Credentials {
  /** Every accepted secret (rotation); for `standard`, `whsec_…` strings. */
  secrets: string[];
  /** Standard Webhooks `v1a` (ed25519) public keys, `whpk_…` base64. */
  publicKeys?: string[];
}

export interface VerifyInput {
  body: Buffer;
  headers: HeaderBag;
  query?: URLSearchParams;
  /** For tests and vectors; defaults to the clock. */
  nowSeconds?: number;
}

export type RejectReason = 'missing' | 'mismatch' | 'expired' | 'malformed' | 'no-secret';
export type Verdict = { ok: true } | { ok: false; reason: RejectReason };
