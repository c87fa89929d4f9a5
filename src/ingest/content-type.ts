/**
 * SPEC §3: application/json, any +json suffix, and vendor types with json in them
 * (Aurora's application/vnd.kafka.json.v1+json) are JSON. A missing Content-Type is treated as JSON.
 */
const JSON_TYPE = /^application\/(?:json|[\w.+-]*\+json|vnd\.[\w.+-]*json[\w.+-]*)$/i;

export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined || header.trim() === '') return true;
  const type = header.split(';', 1)[0]!.trim();
  return JSON_TYPE.test(type);
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;
/** JSON between systems is UTF-8 (RFC 8259 §8.1); ASCII is UTF-8 too. */
const UTF8 = new Set(['utf-8', 'utf8', 'us-ascii']);

/** The charset a Content-Type declares, when it declares one JSON cannot be read in; undefined otherwise. */
export function unreadableCharset(header: string | undefined): string | undefined {
  if (header === undefined || !header.includes(';')) return undefined;
  const charset = CHARSET.exec(header)?.[1]?.toLowerCase();
  return charset === undefined || UTF8.has(charset) ? undefined : charset;
}
