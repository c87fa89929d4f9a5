// Issue 5 §3: `hookd doctor` looks at the admin surface: own port, loopback, and a running
// receiver's /readyz and token.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { SECRET, repoRoot, startReceiver, tempDir } from './helpers/hookd.js';
import type { Receiver } from './helpers/hookd.js';
import type { Finding } from '../dist/cli/commands/doctor.js';

const ADMIN_TOKEN = 'test-admin-token-not-real';

function doctor(dir: string): Promise<{ code: number | null; admin: Finding[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'cli', 'main.js'), 'doctor', '--json'], {
      cwd: dir,
      env: { ...process.env, HOOKD_DATA_DIR: path.join(dir, 'data') },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        admin: out
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Finding)
          .filter((f) => f.check === 'admin'),
      }),
    );
  });
}

function configDir(admin: Record<string, unknown>): string {
  const dir = tempDir('hookd-doctor-admin-');
  const config = { server: { port: 0, host: '127.0.0.1' }, admin, sources: { jobserv: { kind: 'jobserv', secret: SECRET } } };
  fs.writeFileSync(path.join(dir, 'hookd.yaml'), YAML.stringify(config));
  return dir;
}

describe('hookd doctor: the admin surface', () => {
  let r: Receiver;
  let port: number;
  before(async () => {
    r = await startReceiver({
      server: { port: 0, host: '127.0.0.1', rateLimit: false },
      admin: { port: 0, token: ADMIN_TOKEN },
      log: { level: 'warn' },
      sources: { jobserv: { kind: 'jobserv', secret: SECRET } },
    });
    port = Number(new URL(r.hookd.adminUrl).port);
  });
  after(() => r.hookd.close());

  it('a running receiver: /readyz ok and the token accepted', async () => {
    const res = await doctor(configDir({ port, token: ADMIN_TOKEN }));
    const messages = res.admin.map((f) => `${f.level} ${f.message}`);
    assert.ok(
      messages.some((m) => /^ok receiver on http:\/\/127\.0\.0\.1:\d+ is ready/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /^ok admin token accepted/.test(m)),
      messages.join('\n'),
    );
    assert.ok(!res.admin.some((f) => f.level === 'fail'));
  });

  it('a token the running receiver refuses is a failure (exit 1)', async () => {
    const res = await doctor(configDir({ port, token: 'some-other-token' }));
    assert.equal(res.code, 1);
    assert.ok(res.admin.some((f) => f.level === 'fail' && /does not accept this config's admin token/.test(f.message)));
  });

  it('no receiver running is fine; sharing the ingest port is not; a public admin host warns', async () => {
    const free = await doctor(configDir({ port: 1, token: ADMIN_TOKEN }));
    assert.ok(
      free.admin.some((f) => f.level === 'ok' && /no receiver answering/.test(f.message)),
      JSON.stringify(free.admin),
    );
    const dir = configDir({ port: 9999, host: '0.0.0.0', token: ADMIN_TOKEN });
    const yaml = YAML.parse(fs.readFileSync(path.join(dir, 'hookd.yaml'), 'utf8')) as { server: { port: number } };
    yaml.server.port = 9999;
    fs.writeFileSync(path.join(dir, 'hookd.yaml'), YAML.stringify(yaml));
    const shared = await doctor(dir);
    assert.equal(shared.code, 1);
    assert.ok(shared.admin.some((f) => f.level === 'fail' && /both 9999/.test(f.message)));
    assert.ok(shared.admin.some((f) => f.level === 'warn' && /reachable from other machines/.test(f.message)));
  });
});
