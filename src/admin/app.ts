import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { HookdConfig } from '../config/load.js';
import type { Source } from '../config/sources.js';
import type { Dispatcher } from '../dispatch/types.js';
import { HookdError } from '../errors.js';
import type { IngestObserver } from '../ingest/observer.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/index.js';
import { packageRoot } from '../paths.js';
import type { Store } from '../store/types.js';
import { errorHandler } from '../http/respond.js';
import { requireAdminToken } from './auth.js';
import { eventsApi } from './events-api.js';
import { pluginsApi } from './plugins-api.js';
import { rejectionJson, type RejectionLog } from './rejections.js';
import { LiveStream } from './stream.js';

export interface AdminAppDeps {
  config: HookdConfig;
  token: string;
  store: Store;
  logger: Logger;
  isReady: () => boolean;
  sources: ReadonlyMap<string, Source>;
  observer: IngestObserver;
  rejections: RejectionLog;
  metrics: Metrics;
  dispatcher?: Dispatcher | undefined;
}

/** The inspector's static page; tsc does not copy it, so it is served from the package. */
export const inspectorDir = path.join(packageRoot, 'inspector');

/**
 * The admin listener (default 127.0.0.1:8081, never the ingest port). Probes and the inspector's
 * static files are open; every byte of data (API, stream, metrics unless admin.metricsPublic)
 * needs `Authorization: Bearer <admin token>`.
 */
export function createAdminApp(deps: AdminAppDeps): { app: express.Express; api: express.Router; close: () => void } {
  const { config, metrics, sources } = deps;
  const app = express();
  app.disable('x-powered-by');
  // The page loads nothing from elsewhere and talks only to this origin.
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      // Plain HTTP on loopback: HSTS would mean nothing here.
      strictTransportSecurity: false,
    }),
  );
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', (_req, res) => void (deps.isReady() ? res.json({ status: 'ready' }) : res.status(503).json({ status: 'shutting down' })));
  app.use(express.static(inspectorDir, { index: 'index.html', fallthrough: true, maxAge: 0 }));

  const sendMetrics: express.RequestHandler = async (_req, res) => {
    res.setHeader('Content-Type', metrics.contentType);
    res.end(await metrics.render());
  };
  if (config.admin.metricsPublic) app.get('/metrics', sendMetrics);

  const stream = new LiveStream({ store: deps.store, observer: deps.observer, sources, dispatcher: deps.dispatcher });
  const api = express.Router();
  api.use(eventsApi({ store: deps.store, dispatcher: deps.dispatcher }));
  api.use(pluginsApi({ dispatcher: deps.dispatcher }));
  api.use(stream.router);
  api.get('/api/rejections', (req, res) => {
    const limit = Math.min(Math.max(Number(req.query.limit) || deps.rejections.capacity, 1), deps.rejections.capacity);
    const source = typeof req.query.source === 'string' && req.query.source ? req.query.source : undefined;
    res.json({
      total: deps.rejections.total,
      rejections: deps.rejections.list({ limit, ...(source ? { source } : {}) }).map((r) => rejectionJson(r, sources)),
    });
  });
  if (!config.admin.metricsPublic) api.get('/metrics', sendMetrics);

  app.use(requireAdminToken(deps.token), api);
  app.use((_req, _res, next) => next(new HookdError(404, 'not_found', 'not found')));
  app.use(errorHandler((err, req) => err.status >= 500 && deps.logger.error({ err: err.cause ?? err, url: req.path }, err.message)));
  return { app, api, close: () => stream.close() };
}
