import fs from 'node:fs';
import path from 'node:path';
import type { HookdConfig } from '../config/load.js';
import { readGeneratedSecret, readSecrets } from '../config/secrets.js';
import { ADMIN_TOKEN_NAME } from '../serve.js';
import { inspectorDir } from './app.js';

export interface AdminFinding {
  check: 'admin';
  level: 'ok' | 'warn' | 'fail';
  message: string;
}

/**
 * `hookd doctor`'s look at the admin surface: it must not share the ingest port, should stay on
 * loopback, the inspector must ship with the package, and a receiver answering on the admin port
 * must be ready and accept this config's token.
 */
export async function checkAdminSurface(config: HookdConfig, env: NodeJS.ProcessEnv, timeoutMs = 1500): Promise<AdminFinding[]> {
  const out: AdminFinding[] = [];
  const finding = (level: AdminFinding['level'], message: string) => out.push({ check: 'admin', level, message });
  const { host, port } = config.admin;

  if (port !== 0 && port === config.server.port)
    finding('fail', `admin.port and server.port are both ${port}: the admin API must have its own listener, off the tunnel`);
  if (!isLoopback(host)) finding('warn', `admin.host is ${host}: the admin API is reachable from other machines; keep it off public networks and tunnels`);
  if (!fs.existsSync(path.join(inspectorDir, 'index.html'))) finding('fail', `the inspector page is missing from ${inspectorDir}`);

  const token = config.admin.token
    ? readSecrets(config.admin.token, '/admin/token', config.baseDir, env)[0]
    : readGeneratedSecret(config.dataDir, ADMIN_TOKEN_NAME);
  if (port === 0) return out;
  const base = `http://${probeHost(host)}:${port}`;
  let ready: Response;
  try {
    ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(timeoutMs) });
    await ready.arrayBuffer();
  } catch {
    finding('ok', `no receiver answering on ${base} (not running: fine for offline checks)`);
    return out;
  }
  if (ready.status === 503) {
    finding('warn', `the receiver on ${base} is shutting down (/readyz 503)`);
    return out;
  }
  if (ready.status !== 200) {
    finding('fail', `${base}/readyz answered ${ready.status}: something other than hookd listens on admin.port`);
    return out;
  }
  finding('ok', `receiver on ${base} is ready (/readyz)`);
  if (!token) return out;
  const api = await fetch(`${base}/api/plugins`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
  await api.arrayBuffer();
  if (api.status === 401)
    finding('fail', `the receiver on ${base} does not accept this config's admin token (started with another config or HOOKD_ADMIN_TOKEN?)`);
  else if (api.ok) finding('ok', `admin token accepted; inspector at ${base}/`);
  else finding('warn', `${base}/api/plugins answered ${api.status}`);
  return out;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** A wildcard listener is reached on loopback. */
function probeHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
