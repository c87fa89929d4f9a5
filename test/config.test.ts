// README → CLI, Configuration; Guarantees: config from YAML or JSON, env beats file, secrets from literal/env/file/list, generated once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../dist/config/load.js';
import { resolveSources } from '../dist/config/sources.js';
import { SECRET, baseConfig, jobservBuild, post, pythonJsonDumps, repoRoot, signedHeaders, startReceiver, tempDir } from './helpers/hookd.js';

const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');

function configIn(text: string, name = 'hookd.yaml'): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config defaults', () => {
  it('with no file: one jobserv source, documented ports and paths', () => {
    const dir = tempDir();
    const c = loadConfig({ cwd: dir, env: {} });
    assert.equal(c.file, null);
    assert.deepEqual(Object.keys(c.sources), ['jobserv']);
    assert.equal(c.server.port, 8080);
    assert.equal(c.server.host, '0.0.0.0');
    assert.equal(c.admin.port, 8081);
    assert.equal(c.admin.host, '127.0.0.1');
    assert.equal(c.server.bodyLimit, 1024 * 1024, '1mb is 1 MiB');
    assert.equal(c.server.ackDeadlineMs, 5000);
    assert.equal(c.storage.sqlite.path, path.join(dir, 'data', 'hookd.db'));
    assert.equal(c.storage.sqlite.synchronous, 'full');
    assert.equal(c.retention.days, 7);
    assert.deepEqual(c.server.rateLimit, { windowMs: 60000, limit: 6000 });
  });

  it('reads hookd.json too, and relative paths are relative to the file', () => {
    const dir = configIn(JSON.stringify({ storage: { sqlite: { path: 'db/x.db' } }, plugins: { dir: 'p' } }), 'hookd.json');
    const c = loadConfig({ cwd: '/', env: { HOOKD_CONFIG: path.join(dir, 'hookd.json') } });
    assert.equal(c.storage.sqlite.path, path.join(dir, 'db', 'x.db'));
    assert.equal(c.plugins.dir, path.join(dir, 'p'));
  });

  it('shotgrid sources default to a limit that fits a full batch', () => {
    const dir = configIn('sources: {sg: {kind: shotgrid, secret: x}, j: {kind: jobserv, secret: y}}\n');
    const { sources } = resolveSources(loadConfig({ cwd: dir, env: {} }), { env: {}, generate: false });
    assert.ok(sources.get('sg')!.bodyLimit >= 50 * 1024 * 1024);
    assert.equal(sources.get('j')!.bodyLimit, 1024 * 1024);
  });

  it("storage.postgres, once chosen, gets its fields' defaults; without it the store stays SQLite", () => {
    const dir = tempDir();
    const c = loadConfig({ cwd: dir, env: { HOOKD_DATABASE_URL: 'postgres://hookd@db:5432/hookd' } });
    assert.deepEqual(c.storage.postgres, { url: 'postgres://hookd@db:5432/hookd', poolSize: 10, leaseMs: 3000, schema: null });
    assert.equal(loadConfig({ cwd: dir, env: {} }).storage.postgres, undefined);
  });
});

describe('environment beats file', () => {
  it('HOOKD_<SECTION>_<KEY> and the short names override the file', () => {
    const dir = configIn('server: {port: 9000, ackDeadlineMs: 3000}\nadmin: {port: 9001}\n');
    const c = loadConfig({
      cwd: dir,
      env: {
        PORT: '7000',
        HOOKD_ADMIN_PORT: '7001',
        HOOKD_SERVER_ACK_DEADLINE_MS: '2500',
        HOOKD_SERVER_RATE_LIMIT: 'false',
        HOOKD_STORAGE_SQLITE_SYNCHRONOUS: 'normal',
        HOOKD_DATA_DIR: 'elsewhere',
      },
    });
    assert.equal(c.server.port, 7000);
    assert.equal(c.admin.port, 7001);
    assert.equal(c.server.ackDeadlineMs, 2500);
    assert.equal(c.server.rateLimit, false);
    assert.equal(c.storage.sqlite.synchronous, 'normal');
    assert.equal(c.dataDir, path.join(dir, 'elsewhere'));
  });

  it('HOOKD_SOURCES replaces the sources map', () => {
    const c = loadConfig({ cwd: tempDir(), env: { HOOKD_SOURCES: '{"gh": {"kind": "github", "secret": {"env": "GH"}}}' } });
    assert.deepEqual(Object.keys(c.sources), ['gh']);
  });
});

describe('bad config names each bad field', () => {
  it('lists every problem with its path and what was expected', () => {
    const dir = configIn('server: {port: "eighty", ackDeadlineMs: 9000, colour: blue}\nsources: {x: {kind: gitlab}}\n');
    const problems = problemsOf(() => loadConfig({ cwd: dir, env: {} }));
    const text = problems.join('\n');
    assert.match(text, /\/server\/port/);
    assert.match(text, /\/server\/ackDeadlineMs.*5900/);
    assert.match(text, /\/server.*colour/);
    assert.match(text, /\/sources\/x\/kind.*jobserv/);
  });

  it('a bad env value is named by its path too', () => {
    const problems = problemsOf(() => loadConfig({ cwd: tempDir(), env: { PORT: 'http' } }));
    assert.match(problems.join('\n'), /\/server\/port/);
  });

  it('`hookd serve` exits 1 and prints the field', () => {
    const dir = configIn('storage: {sqlite: {synchronous: sometimes}}\n');
    const res = spawnSync(process.execPath, [cli, 'serve'], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOOKD_DATA_DIR: path.join(dir, 'data') } });
    assert.equal(res.status, 1);
    assert.match(res.stderr, /\/storage\/sqlite\/synchronous: must be one of full, normal, off, extra/);
  });

  it('hmac sources must say which header', () => {
    const dir = configIn('sources: {x: {kind: hmac, secret: s}}\n');
    const problems = problemsOf(() => resolveSources(loadConfig({ cwd: dir, env: {} }), { env: {}, generate: false }));
    assert.match(problems.join('\n'), /\/sources\/x: kind hmac needs 'header'/);
  });
});

describe('secrets', () => {
  it('literal, {env}, {file} (trimmed) and a list for rotation', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'sg-secret'), '  from-a-file-not-real\n');
    fs.writeFileSync(
      path.join(dir, 'hookd.yaml'),
      'sources:\n  a: {kind: jobserv, secret: literal-not-real}\n  b: {kind: jobserv, secret: {env: B_SECRET}}\n  c: {kind: shotgrid, secret: {file: sg-secret}}\n  d: {kind: github, secret: [{env: NEW}, {env: OLD}]}\n',
    );
    const env = { B_SECRET: 'from-env-not-real', NEW: 'new-not-real', OLD: 'old-not-real' };
    const { sources } = resolveSources(loadConfig({ cwd: dir, env }), { env, generate: false });
    assert.deepEqual(sources.get('a')!.credentials.secrets, ['literal-not-real']);
    assert.deepEqual(sources.get('b')!.credentials.secrets, ['from-env-not-real']);
    assert.deepEqual(sources.get('c')!.credentials.secrets, ['from-a-file-not-real']);
    assert.deepEqual(sources.get('d')!.credentials.secrets, ['new-not-real', 'old-not-real']);
  });

  it('a missing env var or file is a config error naming the source', () => {
    const dir = configIn('sources: {a: {kind: jobserv, secret: {env: NOPE_NOT_SET}}, b: {kind: jobserv, secret: {file: /nonexistent/x}}}\n');
    const problems = problemsOf(() => resolveSources(loadConfig({ cwd: dir, env: {} }), { env: {}, generate: false }));
    assert.match(problems.join('\n'), /\/sources\/a\/secret: environment variable NOPE_NOT_SET is not set/);
    assert.match(problems.join('\n'), /\/sources\/b\/secret: cannot read secret file/);
  });

  it('no secret: the first start generates one, prints it once with the sender command, later starts reuse it', async () => {
    const dir = tempDir();
    const config = baseConfig({ sources: { ci: { kind: 'jobserv' } }, admin: { token: undefined } });
    delete (config.admin as Record<string, unknown>).token;
    const first = await startReceiver(config, { dir });
    await first.hookd.close();
    const printed = first.announced.join('\n');
    const secret = /fioctl secrets update ci=(\S+)/.exec(printed)?.[1];
    assert.ok(secret && secret.length >= 40, printed);
    assert.match(printed, /secret_name: ci/);
    assert.match(printed, /admin token/);
    assert.ok(!first.logs.join('').includes(secret), 'the secret is never logged');
    const mode = fs.statSync(path.join(dir, 'data', 'secrets', 'ci.secret')).mode & 0o777;
    assert.equal(mode, 0o600);

    const second = await startReceiver(config, { dir });
    try {
      assert.deepEqual(second.announced, [], 'printed only once');
      const body = pythonJsonDumps(jobservBuild(7));
      const res = await post(`${second.url}/hooks/ci`, body, signedHeaders('jobserv', secret, body));
      assert.equal(res.status, 200, 'the generated secret verifies');
    } finally {
      await second.hookd.close();
    }
  });
});

describe('logs carry no secret or token', () => {
  it('after accepted, rejected and token-carrying requests, no log line holds a secret', async () => {
    const TOKEN = 'aurora-token-not-real';
    const r = await startReceiver(baseConfig({ sources: { foundries: { kind: 'jobserv', secret: SECRET }, aurora: { kind: 'aurora', token: TOKEN } } }));
    try {
      const body = pythonJsonDumps(jobservBuild(8));
      await post(`${r.url}/hooks/foundries`, body, signedHeaders('jobserv', SECRET, body));
      await post(`${r.url}/hooks/foundries`, body, signedHeaders('jobserv', 'wrong', body));
      await post(`${r.url}/hooks/aurora?token=${TOKEN}`, '{"task": {}}', { 'content-type': 'application/vnd.kafka.json.v1+json' });
      await post(`${r.url}/hooks/aurora`, '{"task": {}}', { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` });
      const all = r.logs.join('');
      assert.ok(r.logs.length >= 4, 'requests were logged');
      assert.ok(!all.includes(SECRET));
      assert.ok(!all.includes(TOKEN));
      assert.ok(!all.includes('test-admin-token-not-real'));
      assert.match(all, /token=\[redacted\]/);
      assert.match(all, /"reqId"|"req":\{"id"/, 'each request line carries a request id');
    } finally {
      await r.hookd.close();
    }
  });
});
