import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HookdError } from '../errors.js';

/** `Authorization: Bearer <admin token>` and nothing else (README → Admin API): no query tokens on the admin port. */
export function requireAdminToken(token: string): RequestHandler {
  const expected = createHash('sha256').update(token).digest();
  return (req, _res, next) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const given = m ? createHash('sha256').update(m[1]!.trim()).digest() : null;
    if (given && timingSafeEqual(given, expected)) return next();
    next(new HookdError(401, 'unauthorized', 'admin token missing or invalid', { headers: { 'WWW-Authenticate': 'Bearer realm="hookd admin"' } }));
  };
}
