import express from 'express';
import helmet from 'helmet';
import type { HookdConfig } from '../config/load.js';
import { HookdError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { errorHandler } from '../http/respond.js';
import { requireAdminToken } from './auth.js';

export interface AdminAppDeps {
  config: HookdConfig;
  token: string;
  store: Store;
  logger: Logger;
  isReady: () => boolean;
}

/**
 * The admin listener (default 127.0.0.1:8081). Probes are open; everything else needs the bearer
 * token. The admin API, metrics and the inspector mount on `api`.
 */
export function createAdminApp(deps: AdminAppDeps): { app: express.Express; api: express.Router } {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', (_req, res) => void (deps.isReady() ? res.json({ status: 'ready' }) : res.status(503).json({ status: 'shutting down' })));

  const api = express.Router();
  app.use(requireAdminToken(deps.token), api);
  app.use((_req, _res, next) => next(new HookdError(404, 'not_found', 'not found')));
  app.use(errorHandler((err, req) => err.status >= 500 && deps.logger.error({ err: err.cause ?? err, url: req.path }, err.message)));
  return { app, api };
}
