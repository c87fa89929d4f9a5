import { createHash } from 'node:crypto';
import { valueAt } from '../value-at.js';
import type { HeaderBag } from '../verify/types.js';
import type { DedupeRule } from '../senders/kinds.js';

/**
 * The dedupe key of one event: the first rule that yields a value. Keys are prefixed by rule so a
 * header value can never collide with a body hash.
 */
export function dedupeKey(rules: DedupeRule[], headers: HeaderBag, payload: unknown, body: Buffer): string {
  for (const rule of rules) {
    if (rule.by === 'body-sha256') return bodyKey(body);
    if (rule.by === 'header') {
      const value = headers[rule.header];
      if (typeof value === 'string' && value !== '') return `header:${value}`;
    } else {
      const value = valueAt(payload, rule.path);
      if ((typeof value === 'string' && value !== '') || typeof value === 'number') return `field:${value}`;
    }
  }
  return bodyKey(body);
}

/**
 * `sha256:` and the first 128 bits of the body's SHA-256, in hex: as good as the whole digest at
 * telling webhooks apart (a chance collision is ~10⁻²¹ in a billion events; making one on purpose
 * takes ~2⁶⁴ hashes), and half the bytes in the dedupe index, whose inserts land at random places
 * and cost less CPU the smaller the keys once many events are stored (the bench's "design choices:
 * dedupe key width" times both at 1,000,000 stored).
 * migrations/003 cut the keys stored before the same way.
 */
export function bodyKey(body: Buffer): string {
  return 'sha256:' + createHash('sha256').update(body).digest('hex').slice(0, 32);
}
