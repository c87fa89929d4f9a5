import { createHash } from 'node:crypto';
import type { HeaderBag } from '../verify/types.js';
import type { DedupeRule } from './kinds.js';

/**
 * The dedupe key of one event: the first rule that yields a value. Keys are prefixed by rule so a
 * header value can never collide with a body hash.
 */
export function dedupeKey(rules: DedupeRule[], headers: HeaderBag, payload: unknown, body: Buffer): string {
  for (const rule of rules) {
    if (rule.by === 'body-sha256') return 'sha256:' + createHash('sha256').update(body).digest('hex');
    if (rule.by === 'header') {
      const value = headers[rule.header];
      if (typeof value === 'string' && value !== '') return `header:${value}`;
    } else {
      const value = fieldAt(payload, rule.path);
      if ((typeof value === 'string' && value !== '') || typeof value === 'number') return `field:${value}`;
    }
  }
  return 'sha256:' + createHash('sha256').update(body).digest('hex');
}

/** A dotted path into parsed JSON (`data.delivery_id`); undefined where it does not lead anywhere. */
export function fieldAt(value: unknown, dotted: string): unknown {
  let node = value;
  for (const key of dotted.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
