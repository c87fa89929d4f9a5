import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { HookdError } from '../errors.js';

/**
 * The exact request bytes, read once, bounded by the source's limit. A declared length over the
 * limit is refused before a byte is read; a chunked body is cut off as soon as it passes the limit.
 */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') {
    throw new HookdError(415, 'unsupported_encoding', `content encoding ${encoding} is not accepted; send the body uncompressed`);
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw new HookdError(413, 'body_too_large', `body is over the ${limit}-byte limit for this source`, { headers: { Connection: 'close' } });
  }
  return getRawBody(req, declared === undefined ? { limit } : { limit, length: declared });
}
