import { HookdError } from '../errors.js';

/**
 * README → What the sender gets back: application/json, any +json suffix, and vendor types with json in them
 * (Aurora's application/vnd.kafka.json.v1+json) are JSON. A missing Content-Type is treated as JSON.
 */
const JSON_TYPE = /^application\/(?:json|[\w.+-]*\+json|vnd\.[\w.+-]*json[\w.+-]*)$/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;
/** JSON between systems is UTF-8 (RFC 8259 §8.1); ASCII is UTF-8 too. */
const UTF8 = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * Why a body with this Content-Type cannot be read as JSON (a 415), or undefined: a type that is
 * not JSON, or a charset other than UTF-8 (bodies are read as strict UTF-8: one declared in another
 * charset would be misread, or refused as malformed).
 */
export function refuseContentType(header: string | undefined): HookdError | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const semicolon = header.indexOf(';');
  const type = (semicolon < 0 ? header : header.slice(0, semicolon)).trim();
  if (!JSON_TYPE.test(type)) return new HookdError(415, 'unsupported_media_type', `content type ${header} is not JSON`);
  if (semicolon < 0) return undefined;
  const charset = CHARSET.exec(header)?.[1]?.toLowerCase();
  if (charset === undefined || UTF8.has(charset)) return undefined;
  return new HookdError(415, 'unsupported_charset', `charset ${charset} is not accepted; JSON webhooks are UTF-8`);
}
