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
