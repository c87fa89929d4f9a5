import express, { type Request, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { HookdConfig } from '../config/load.js';
import type { Source } from '../config/sources.js';
import { HookdError } from '../errors.js';
import type { IngestObserver } from '../ingest/observer.js';
import type { createIngest } from '../ingest/receive.js';
import type { Logger } from '../log.js';
import { accessLog } from './access-log.js';
import { readRawBody } from './body.js';
import { errorHandler } from './respond.js';

export interface IngestAppDeps {
  config: HookdConfig;
  sources: Map<string, Source>;
  ingest: ReturnType<typeof createIngest>;
  observer: IngestObserver;
  logger: Logger;
  /** /readyz answers 503 once this turns false (shutting down). */
  isReady: () => boolean;
  /** Counts requests in flight so shutdown can wait for their commits. */
  inflight: { add(p: Promise<unknown>): void };
}

/**
 * The ingest listener: `POST /hooks/<source>`, health probes, nothing else (the admin surface has
 * its own listener so an ngrok tunnel to this port never exposes it).
 */
export function createIngestApp(deps: IngestAppDeps): express.Express {
  const { config, sources, ingest, observer, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', config.server.trustProxy);

  // Headers a JSON endpoint can use; the page-oriented ones (CSP for scripts, COEP…) mean nothing here.
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginEmbedderPolicy: false,
      crossOriginOpenerPolicy: false,
      originAgentCluster: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
    }),
  );

  app.use(accessLog(logger));

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', (_req, res) => void (deps.isReady() ? res.json({ status: 'ready' }) : res.status(503).json({ status: 'shutting down' })));

  const limiter: RequestHandler =
    config.server.rateLimit === false
      ? (_req, _res, next) => next()
      : rateLimit({
          windowMs: config.server.rateLimit.windowMs,
          limit: config.server.rateLimit.limit,
          standardHeaders: false,
          legacyHeaders: false,
          // Through next(): the error handler counts and logs a 429 like every other refusal.
          handler: (req, _res, next) => {
            const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
            const retryAfter = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
            next(new HookdError(429, 'rate_limited', 'too many requests from this address', { headers: { 'Retry-After': String(retryAfter) } }));
          },
        });

  const reject = (err: HookdError, req: Request) => {
    if (err.status < 400 || err.status >= 500 || err.status === 422) return;
    const source = sourceOf(req);
    const reason = err.status === 401 ? String(err.body?.reason ?? 'unauthorized') : err.code;
    observer.emit('rejected', {
      at: Date.now(),
      source,
      status: err.status,
      code: err.code,
      reason,
      clientIp: req.ip ?? '',
      size: Number(req.headers['content-length'] ?? 0),
    });
    logger.warn({ reqId: req.id, source, status: err.status, code: err.code, reason }, 'webhook rejected');
  };

  app.post('/hooks/:source', limiter, async (req, res) => {
    const name = String(req.params.source);
    const source = sources.get(name);
    if (!source) throw new HookdError(404, 'unknown_source', `no source named '${name}'`);
    const body = await readRawBody(req, source.bodyLimit);
    const receivedAt = Date.now();
    // The sender's clock runs from its last byte: from here, an answer within ackDeadlineMs.
    const work = ingest({
      source,
      headers: req.headers,
      // Only token sources read ?token=; most webhooks have no query string to parse.
      query: req.originalUrl.includes('?') ? new URL(req.originalUrl, 'http://hookd').searchParams : NO_QUERY,
      body,
      receivedAt,
      deadline: receivedAt + config.server.ackDeadlineMs,
    });
    deps.inflight.add(work);
    const answer = await work;
    res.status(answer.status).json(answer.body);
    observer.emit('answered', {
      source: name,
      status: answer.status,
      code: String(answer.body.status),
      ms: performance.now() - (res.locals.started as number),
    });
  });

  app.all('/hooks/:source', (req, res, next) => {
    res.set('Allow', 'POST');
    next(new HookdError(405, 'method_not_allowed', `${req.method} is not allowed here; webhooks are POSTed`));
  });

  app.use((_req, _res, next) => next(new HookdError(404, 'not_found', 'not found; webhooks go to POST /hooks/<source>')));
  app.use(
    errorHandler((err, req, res) => {
      reject(err, req);
      if (err.status >= 500) logger.error({ reqId: req.id, err: err.cause ?? err, code: err.code }, err.message);
      observer.emit('answered', { source: sourceOf(req), status: err.status, code: err.code, ms: performance.now() - (res.locals.started as number) });
    }),
  );
  return app;
}

const NO_QUERY = new URLSearchParams();

/** Error middleware runs outside the route, so req.params is empty there. */
function sourceOf(req: Request): string {
  return /^\/hooks\/([^/?]+)/.exec(req.path)?.[1] ?? '';
}
