import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { createAdminApp } from './admin/app.js';
import { RejectionLog } from './admin/rejections.js';
import type { HookdConfig } from './config/load.js';
import { ensureGeneratedSecret, readSecrets } from './config/secrets.js';
import { senderSetup } from './senders/setup.js';
import { resolveSources, type Source } from './config/sources.js';
import { PluginDispatcher } from './dispatch/dispatcher.js';
import type { Dispatcher } from './dispatch/types.js';
import { createIngestApp } from './http/ingest-app.js';
import { createSchemaService } from './iglu/index.js';
import { IngestObserver } from './ingest/observer.js';
import { createIngest } from './ingest/receive.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import { answerClientErrors } from './http/client-error.js';
import { openStore } from './store/open.js';
import type { Store } from './store/types.js';
import { generateSecret } from './verify/sign.js';

/** Generated secrets are named after their source; source names cannot start with '_'. */
export const ADMIN_TOKEN_NAME = '_admin-token';

export interface Hookd {
  config: HookdConfig;
  sources: Map<string, Source>;
  store: Store;
  observer: IngestObserver;
  ingestUrl: string;
  adminUrl: string;
  adminToken: string;
  adminApi: express.Router;
  metrics: Metrics;
  /** The last requests turned away before storage (short metadata, no bodies). */
  rejections: RejectionLog;
  /** Hands committed events to the plugins (README → Plugins). */
  dispatcher: Dispatcher;
  /** Stop accepting, finish in-flight commits, close the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Where the once-only secret banners go (stderr by default; never the log). */
  announce?: (text: string) => void;
}

/** The composition root: every stage built once, here, and handed what it needs. */
export async function startHookd(config: HookdConfig, opts: StartOptions): Promise<Hookd> {
  const { logger } = opts;
  const env = opts.env ?? process.env;
  const announce = opts.announce ?? ((text: string) => process.stderr.write(text + '\n'));

  const { sources, generated, warnings } = resolveSources(config, { env, generate: true });
  for (const w of warnings) logger.warn(w);
  const adminToken = config.admin.token
    ? { value: readSecrets(config.admin.token, '/admin/token', config.baseDir, env)[0]!, created: false }
    : ensureGeneratedSecret(config.dataDir, ADMIN_TOKEN_NAME, () => generateSecret({ type: 'token', header: 'authorization' }));

  const store = await openStore(config.storage, { busyTimeoutMs: config.server.ackDeadlineMs });
  store.on('recovered', (err) => logger.error({ err }, store.kind === 'sqlite' ? 'writer thread died; restarted' : 'store recovered from a lost connection'));
  const schemas = await createSchemaService({ ...(config.iglu.resolver ? { resolverConfig: config.iglu.resolver } : {}), logger });
  const observer = new IngestObserver();
  const ingest = createIngest({ store, schemas, observer });
  const rejections = new RejectionLog();
  observer.on('rejected', (r) => rejections.add(r));
  // Built here, started once the servers listen: loading plugins never delays the first ack, and a
  // new plugin's "newest event" is the newest before the listeners open, so it misses none acked meanwhile.
  const dispatcher = new PluginDispatcher({ store, logger, plugins: config.plugins, baseDir: config.baseDir, observer, env });
  await dispatcher.prepare();
  const metrics = createMetrics({
    observer,
    sourceNames: sources.keys(),
    commits: store,
    ...(store.kind === 'sqlite' ? { dbPath: config.storage.sqlite.path } : {}),
    dispatcher,
  });

  let ready = true;
  const inflight = new Set<Promise<unknown>>();
  const track = {
    add(p: Promise<unknown>) {
      inflight.add(p);
      const done = () => inflight.delete(p);
      p.then(done, done);
    },
  };

  const ingestApp = createIngestApp({ config, sources, ingest, observer, logger, isReady: () => ready, inflight: track });
  const ingestServer = await listen(ingestApp, config.server.host, config.server.port, config);
  const admin = createAdminApp({ config, token: adminToken.value, store, logger, isReady: () => ready, sources, observer, rejections, metrics, dispatcher });
  const { app: adminApp, api: adminApi } = admin;
  const adminServer = await listen(adminApp, config.admin.host, config.admin.port, config);

  const ingestUrl = urlOf(ingestServer);
  const adminUrl = urlOf(adminServer);
  for (const g of generated) {
    announce(
      banner(
        `Generated a secret for source '${g.source}' (kept in ${config.dataDir}/secrets; shown only this once):`,
        senderSetup(g.kind, g.source, g.secret, `https://<public-host>/hooks/${g.source}`),
      ),
    );
  }
  if (adminToken.created) {
    announce(
      banner(`Generated the admin token (kept in ${config.dataDir}/secrets; shown only this once):`, `  ${adminToken.value}\n  Inspector: ${adminUrl}/`),
    );
  }

  const retentionMs = config.retention.days * 86_400_000;
  const pruneTimer = setInterval(() => {
    store.prune(Date.now() - retentionMs).then(
      (r) => r.events && logger.info({ pruned: r.events }, 'retention: pruned old events'),
      (err) => logger.warn({ err }, 'retention: prune failed'),
    );
  }, config.retention.intervalMinutes * 60_000);
  pruneTimer.unref();

  logger.info({ ingest: ingestUrl, admin: adminUrl, sources: [...sources.keys()], db: (await store.report()).location }, 'hookd listening');
  await dispatcher.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      ready = false;
      clearInterval(pruneTimer);
      admin.close();
      const stopped = Promise.all([stopServer(ingestServer), stopServer(adminServer)]);
      await Promise.allSettled([...inflight]);
      await stopped;
      await dispatcher.close();
      await store.close();
      logger.info('hookd stopped');
    })());

  return { config, sources, store, observer, ingestUrl, adminUrl, adminToken: adminToken.value, adminApi, metrics, rejections, dispatcher, close };
}

/** Node's own timeouts, so a slow client cannot hold a socket forever. */
function listen(app: express.Express, host: string, port: number, config: HookdConfig): Promise<http.Server> {
  const server = http.createServer(
    {
      requestTimeout: config.server.requestTimeoutMs,
      headersTimeout: config.server.headersTimeoutMs,
      // Node only enforces the two timeouts above when it checks, every 30 s by default.
      connectionsCheckingInterval: 1000,
    },
    app,
  );
  server.keepAliveTimeout = config.server.keepAliveTimeoutMs;
  answerClientErrors(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function stopServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // In-flight requests finish; a client that keeps a socket open past that is cut off.
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  });
}

function urlOf(server: http.Server): string {
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address;
  return `http://${host}:${addr.port}`;
}

function banner(title: string, body: string): string {
  const rule = '─'.repeat(72);
  return `${rule}\n${title}\n${body}\n${rule}`;
}
