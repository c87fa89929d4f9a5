// A real receiver on loopback with a real SQLite file in a temp dir, for tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after } from 'node:test';
import YAML from 'yaml';
import { loadConfig } from '../../dist/config/load.js';
import { createLogger } from '../../dist/log.js';
import { startHookd } from '../../dist/serve.js';
import { sign } from '../../dist/verify/index.js';
import { KINDS } from '../../dist/senders/kinds.js';

export { pythonJsonDumps } from './python-json.js';

export const SECRET = 'test-secret-not-real';
export const repoRoot = path.resolve(new URL('../..', import.meta.url).pathname);

const made = [];

/**
 * A temp dir, removed once the test file's tests are done (`node --test` runs each file in its own
 * process; a root after() hook runs before it is torn down, whatever handles are still open),
 * unless HOOKD_KEEP_TEST_DIRS is set to look at what a failing test left behind.
 */
export function tempDir(prefix = 'hookd-test-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

after(() => {
  if (process.env.HOOKD_KEEP_TEST_DIRS) return;
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
});

/** Default test config: ports 0, no rate limit, one jobserv source with a literal fake secret. */
export function baseConfig(overrides = {}) {
  return {
    server: { port: 0, host: '127.0.0.1', rateLimit: false, ...(overrides.server ?? {}) },
    admin: { port: 0, token: 'test-admin-token-not-real', ...(overrides.admin ?? {}) },
    log: { level: 'debug' },
    sources: overrides.sources ?? { foundries: { kind: 'jobserv', secret: SECRET } },
    ...Object.fromEntries(Object.entries(overrides).filter(([k]) => !['server', 'admin', 'sources'].includes(k))),
  };
}

/** Writes hookd.yaml into `dir` and starts hookd in-process; logs are captured in `logs`. */
export async function startReceiver(config = baseConfig(), { dir = tempDir(), env = {} } = {}) {
  fs.writeFileSync(path.join(dir, 'hookd.yaml'), YAML.stringify(config));
  const fullEnv = { HOOKD_DATA_DIR: path.join(dir, 'data'), ...env };
  const cfg = loadConfig({ cwd: dir, env: fullEnv });
  const lines = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const announced = [];
  const hookd = await startHookd(cfg, { logger, env: fullEnv, announce: (t) => announced.push(t) });
  return { hookd, dir, config: cfg, logs: lines, announced, url: hookd.ingestUrl };
}

export function signedHeaders(kind, secret, body, extra = {}) {
  return { 'content-type': KINDS[kind].contentType, ...sign(KINDS[kind].verify, secret, Buffer.from(body)), ...extra };
}

/** POST raw bytes; answers {status, headers, json, text}. */
export async function post(url, body, headers = {}) {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export function jobservBuild(buildId = 67, status = 'PASSED') {
  return {
    build_id: buildId,
    url: `https://api.foundries.io/projects/andy-corp/lmp/builds/${buildId}/`,
    status,
    runs: [
      {
        name: 'build-amd64-partner',
        url: `https://api.foundries.io/projects/andy-corp/lmp/builds/${buildId}/runs/build-amd64-partner/`,
        status,
        log_url: `https://api.foundries.io/projects/andy-corp/lmp/builds/${buildId}/runs/build-amd64-partner/console.log`,
        web_url: `https://ci.foundries.io/projects/andy-corp/lmp/builds/${buildId}/build-amd64-partner/`,
        created: '2021-07-26T18:10:37+00:00',
        completed: '2021-07-26T18:11:42+00:00',
        host_tag: 'amd64-partner',
      },
    ],
    web_url: `https://ci.foundries.io/projects/andy-corp/lmp/builds/${buildId}`,
    trigger_name: 'containers-devel',
    created: '2021-07-26T18:10:33+00:00',
    completed: '2021-07-26T18:19:24+00:00',
  };
}

/** The senders' signature test vectors (a copy of the shared vectors, kept in the repo so CI needs nothing beside it). */
export function readVectors() {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'vectors', 'signatures.json'), 'utf8'));
}
