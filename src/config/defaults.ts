import type { ConfigInput } from './types.js';

/** Every setting's default (README → Configuration). Relative paths are resolved by load.ts. */
export const DEFAULTS = {
  server: {
    port: 8080,
    host: '0.0.0.0',
    bodyLimit: '1mb',
    ackDeadlineMs: 5000,
    trustProxy: 'loopback',
    rateLimit: { windowMs: 60_000, limit: 6000 },
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 5_000,
  },
  admin: { port: 8081, host: '127.0.0.1', metricsPublic: false },
  storage: { sqlite: { synchronous: 'full' } },
  retention: { days: 7, intervalMinutes: 60 },
  iglu: {},
  plugins: { dir: './plugins', attempts: 5, timeoutMs: 30_000, backoffMs: 1000, pollMs: 500, builtins: [] },
  log: { level: 'info' },
} satisfies ConfigInput;

/** With no config file, hookd serves one source so `npm start` + `hookd send jobserv FILE` works. */
export const DEFAULT_SOURCES = { jobserv: { kind: 'jobserv' } } satisfies ConfigInput['sources'];
