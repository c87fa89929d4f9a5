/**
 * Errors that reach HTTP carry their status and a stable machine-readable code.
 * One place (src/http/respond.ts) turns them into responses; nothing else picks status codes.
 */
export class HookdError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** Extra JSON fields for the response body (e.g. validation errors). */
  readonly body: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, opts: { headers?: Record<string, string>; body?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'HookdError';
    this.status = status;
    this.code = code;
    this.headers = opts.headers ?? {};
    this.body = opts.body;
  }
}

/** The store or a registry could not answer in time: the sender should retry. */
export function unavailable(code: string, message: string, retryAfterSeconds = 5, cause?: unknown): HookdError {
  return new HookdError(503, code, message, { headers: { 'Retry-After': String(retryAfterSeconds) }, cause });
}
