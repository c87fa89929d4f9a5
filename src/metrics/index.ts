import fs from 'node:fs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Dispatcher, PluginState } from '../dispatch/types.js';
import type { IngestObserver } from '../ingest/observer.js';
import type { Store } from '../store/types.js';

export interface MetricsDeps {
  observer: IngestObserver;
  /** Configured source names: anything else is labelled `_unknown`, so random paths cannot grow the label set. */
  sourceNames: Iterable<string>;
  /** The store: its 'batch' {size, ms} per committed group transaction. */
  commits?: Pick<Store, 'on'>;
  /** The SQLite file; its size and its -wal's are reported. */
  dbPath?: string;
  dispatcher?: Dispatcher | undefined;
  /** Process and Node.js metrics (process_*, nodejs_*); on by default. */
  defaultMetrics?: boolean;
}

export interface Metrics {
  registry: Registry;
  /** Prometheus text exposition format. */
  render(): Promise<string>;
  contentType: string;
}

const SECONDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Dispatch lag: fine where a healthy plugin is (20 ms is the target bound), coarse out to minutes behind. */
const LAG_SECONDS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const STATES: PluginState[] = ['active', 'deactivated', 'disabled'];
const UNKNOWN_SOURCE = '_unknown';

/**
 * One registry per hookd instance (never prom-client's global one), fed by the events the
 * stages already emit: nothing here runs on the ingest path but a counter increment.
 */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  const known = new Set(deps.sourceNames);
  const source = (name: string) => (known.has(name) ? name : UNKNOWN_SOURCE);
  const registers = [registry];

  const requests = new Counter({
    name: 'hookd_requests_total',
    help: 'Webhook requests answered, by source and HTTP status.',
    labelNames: ['source', 'status'] as const,
    registers,
  });
  const ack = new Histogram({
    name: 'hookd_ack_duration_seconds',
    help: 'Time from request start to the answer, for requests that were stored (200 and 422).',
    labelNames: ['source'] as const,
    buckets: SECONDS,
    registers,
  });
  const stored = new Counter({
    name: 'hookd_events_stored_total',
    help: 'New events committed, by source and status (accepted or quarantined).',
    labelNames: ['source', 'status'] as const,
    registers,
  });
  const rejected = new Counter({
    name: 'hookd_rejections_total',
    help: 'Requests turned away before storage, by source, HTTP status and code.',
    labelNames: ['source', 'status', 'code'] as const,
    registers,
  });
  const verifyFailures = new Counter({
    name: 'hookd_verification_failures_total',
    help: 'Signature or token checks that failed, by source and reason (missing, mismatch, expired, malformed, no-secret).',
    labelNames: ['source', 'reason'] as const,
    registers,
  });

  deps.observer.on('answered', (a) => {
    const s = source(a.source);
    requests.inc({ source: s, status: String(a.status) });
    if (a.status === 200 || a.status === 422) ack.observe({ source: s }, a.ms / 1000);
  });
  deps.observer.on('committed', (c) => {
    for (const status of c.statuses) stored.inc({ source: source(c.source), status });
  });
  deps.observer.on('rejected', (r) => {
    const s = source(r.source);
    rejected.inc({ source: s, status: String(r.status), code: r.code });
    if (r.status === 401) verifyFailures.inc({ source: s, reason: r.reason });
  });

  if (deps.commits) {
    const batchSize = new Histogram({
      name: 'hookd_commit_batch_size',
      help: 'Write calls committed together in one transaction (group commit; SQLite or PostgreSQL).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    const commitTime = new Histogram({
      name: 'hookd_commit_duration_seconds',
      help: 'Time one group-commit transaction took, fsync included.',
      buckets: SECONDS,
      registers,
    });
    deps.commits.on('batch', (b) => {
      batchSize.observe(b.size);
      commitTime.observe(b.ms / 1000);
    });
  }

  if (deps.dbPath) {
    const dbPath = deps.dbPath;
    new Gauge({
      name: 'hookd_db_size_bytes',
      help: 'Size of the SQLite database file plus its write-ahead log.',
      registers,
      collect() {
        this.set(fileSize(dbPath) + fileSize(`${dbPath}-wal`));
      },
    });
  }

  const dispatcher = deps.dispatcher;
  if (dispatcher) {
    new Gauge({
      name: 'hookd_plugin_lag_events',
      help: "Events committed after a plugin's cursor: its queue.",
      labelNames: ['plugin'] as const,
      registers,
      async collect() {
        const plugins = await dispatcher.list();
        this.reset();
        for (const p of plugins) this.set({ plugin: p.name }, p.lag);
      },
    });
    new Gauge({
      name: 'hookd_plugin_state',
      help: "1 for a plugin's current state (active, deactivated, disabled), 0 for the others.",
      labelNames: ['plugin', 'state'] as const,
      registers,
      async collect() {
        const plugins = await dispatcher.list();
        this.reset();
        for (const p of plugins) for (const state of STATES) this.set({ plugin: p.name, state }, p.state === state ? 1 : 0);
      },
    });
    const outcomes = new Counter({
      name: 'hookd_plugin_outcomes_total',
      help: 'Plugin outcomes recorded, by plugin and status (done, failed, skipped, pending).',
      labelNames: ['plugin', 'status'] as const,
      registers,
    });
    const handleTime = new Histogram({
      name: 'hookd_plugin_handle_duration_seconds',
      help: 'Time a plugin took to handle one event (done or failed).',
      labelNames: ['plugin'] as const,
      buckets: SECONDS,
      registers,
    });
    const dispatchLag = new Histogram({
      name: 'hookd_plugin_dispatch_lag_seconds',
      help: "Time from an event's commit to a plugin's handler starting on it (first handover of events this process committed).",
      labelNames: ['plugin'] as const,
      buckets: LAG_SECONDS,
      registers,
    });
    dispatcher.on('started', (s) => dispatchLag.observe({ plugin: s.plugin }, s.lagMs / 1000));
    dispatcher.on('outcome', (o) => {
      outcomes.inc({ plugin: o.plugin, status: o.status });
      if (o.status === 'done' || o.status === 'failed') handleTime.observe({ plugin: o.plugin }, o.ms / 1000);
    });
  }

  if (deps.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  return { registry, render: () => registry.metrics(), contentType: registry.contentType };
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
