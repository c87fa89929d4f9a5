import type { Source } from '../config/sources.js';
import type { ValidationIssue } from '../iglu/index.js';
import type { VerifyRule } from '../verify/types.js';

/**
 * "Why is my webhook not arriving?" in plain words: the inspector, the admin API and
 * `hookd events show` all say the same thing about a rejection or a quarantine.
 */
export function explainRejection(r: { source: string; status: number; code: string; reason: string }, sources: ReadonlyMap<string, Source>): string {
  const source = sources.get(r.source);
  switch (r.status) {
    case 401:
      return source ? explainVerifyFailure(r.reason, source) : 'The signature or token was missing or wrong.';
    case 404:
      if (r.code === 'unknown_source') {
        const known = [...sources.keys()];
        return `There is no source named '${r.source}'. Webhooks go to POST /hooks/<source>; configured: ${known.length ? known.join(', ') : 'none'}. Check the URL set on the sender.`;
      }
      return 'Nothing is served at that path; webhooks go to POST /hooks/<source>.';
    case 405:
      return 'Webhooks must be POSTed; the request used another method (a browser or health check visiting the URL?).';
    case 413:
      return `The body was larger than this source accepts${source ? ` (${source.bodyLimit} bytes)` : ''}. Raise bodyLimit on the source if the sender really sends this much.`;
    case 415:
      if (r.code === 'unsupported_encoding')
        return 'The body was compressed (Content-Encoding); hookd verifies signatures on the exact bytes and takes them uncompressed.';
      if (r.code === 'unsupported_charset')
        return 'The Content-Type declared a charset other than UTF-8; JSON webhooks are UTF-8. Make the sender post UTF-8 (or leave the charset out).';
      return 'The Content-Type was not JSON (application/json, */*+json or application/vnd.*json*). Make the sender post JSON.';
    case 429:
      return 'This client address sent more requests than server.rateLimit allows; it was told to retry later (Retry-After).';
    case 400:
      return BAD_REQUEST[r.code] ?? `The request was malformed (${r.code}).`;
    default:
      return `Turned away with ${r.status} (${r.code}).`;
  }
}

const BAD_REQUEST: Record<string, string> = {
  invalid_json: 'The signature was good, but the body is not valid JSON.',
  invalid_utf8: 'The signature was good, but the body is not valid UTF-8 text.',
  too_deep: 'The body nests JSON too deeply to be parsed safely.',
  empty_batch: 'A ShotGrid batch arrived with no deliveries in data.deliveries.',
  length_mismatch: 'The body was shorter or longer than its Content-Length said: the connection was cut or a proxy changed it.',
  aborted: 'The sender hung up before the whole body arrived.',
};

function explainVerifyFailure(reason: string, source: Source): string {
  const where = describeCredential(source.verify);
  switch (reason) {
    case 'missing':
      return `No ${where} came with the request. Is the sender configured to sign (or to send its token) for source '${source.name}'?`;
    case 'mismatch':
      return source.verify.type === 'hmac' || source.verify.type === 'standard'
        ? `The ${where} did not match the body. Either the sender signs with a different secret than source '${source.name}' has, or something between them changed the bytes (a proxy re-encoding the JSON).`
        : `The token did not match the one configured for source '${source.name}'.`;
    case 'expired':
      return "The webhook-timestamp is outside the tolerance (±5 minutes by default): the sender's clock is off, or this is an old message being replayed.";
    case 'malformed':
      return `The ${where} is not in the expected format (${expectedFormat(source.verify)}).`;
    case 'no-secret':
      return `Source '${source.name}' has no secret configured, so nothing can verify. Set one in the config.`;
    default:
      return `Verification failed (${reason}).`;
  }
}

function describeCredential(rule: VerifyRule): string {
  switch (rule.type) {
    case 'hmac':
      return `signature header ${rule.header}`;
    case 'token':
      return `token (${rule.header}, Authorization: Bearer or ?token=)`;
    case 'standard':
      return 'webhook-signature';
    case 'none':
      return 'credential';
  }
}

function expectedFormat(rule: VerifyRule): string {
  switch (rule.type) {
    case 'hmac':
      return `${rule.prefix}<${rule.encoding} HMAC-${rule.algorithm.toUpperCase()}>`;
    case 'standard':
      return 'webhook-id, webhook-timestamp and webhook-signature: v1,<base64>';
    default:
      return 'a token';
  }
}

/** A quarantined event passed verification; its body did not fit the schema. */
export function explainQuarantine(schema: string | null, errors: ValidationIssue[] | null): string {
  const issues = errors ?? [];
  const first = issues[0];
  const what = schema ? `schema ${schema}` : 'its schema';
  if (!first) return `The sender was verified, but the body did not pass ${what}. It is kept as quarantined and not handed to plugins.`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return (
    `The sender was verified, but the body does not match ${what}: ` +
    `${first.path || 'the document'} ${first.message}${more}. ` +
    'It is kept as quarantined and not handed to plugins; fix the schema or the sender, then `hookd events revalidate`.'
  );
}
