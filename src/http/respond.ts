import type { ErrorRequestHandler, Response } from 'express';
import { HookdError } from '../errors.js';

/**
 * The one place errors become HTTP answers. A client's mistake is always a 4xx with a stable
 * `code`; only our own failures are 5xx, and those never echo internals.
 */
export function toHookdError(err: unknown): HookdError {
  if (err instanceof HookdError) return err;
  const e = err as { type?: string; status?: number; expose?: boolean; message?: string };
  switch (e?.type) {
    case 'entity.too.large':
      return new HookdError(413, 'body_too_large', 'body is over the size limit for this source', { headers: { Connection: 'close' } });
    case 'request.size.invalid':
      return new HookdError(400, 'length_mismatch', 'body length does not match Content-Length');
    case 'request.aborted':
      return new HookdError(400, 'aborted', 'the client aborted the request');
    case 'encoding.unsupported':
      return new HookdError(415, 'unsupported_encoding', 'unsupported content encoding');
    case 'entity.verify.failed':
    case 'entity.parse.failed':
      return new HookdError(400, 'bad_request', e.message ?? 'bad request');
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new HookdError(e.status, 'bad_request', e.expose && e.message ? e.message : 'bad request');
  }
  return new HookdError(500, 'internal', 'internal error', { cause: err });
}

export function sendError(res: Response, err: HookdError): void {
  if (res.headersSent) return;
  res.status(err.status).set(err.headers);
  // 401 bodies are fixed: never a reason, never an expected value.
  const extra = err.status === 401 ? {} : (err.body ?? {});
  res.json({ error: err.message, code: err.code, ...extra });
}

export function errorHandler(onError?: (err: HookdError, req: Parameters<ErrorRequestHandler>[1], res: Response) => void): ErrorRequestHandler {
  return (raw, req, res, _next) => {
    const err = toHookdError(raw);
    onError?.(err, req, res);
    sendError(res, err);
  };
}
