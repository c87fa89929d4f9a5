// Issue 2 §2: the HTTP layer — client addresses behind a trusted proxy, timeouts for slow clients, probes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SECRET, baseConfig, jobservBuild, post, pythonJsonDumps, signedHeaders, startReceiver } from './helpers/hookd.js';

async function twoClients(trustProxy: string | false): Promise<number[]> {
  const r = await startReceiver(baseConfig({ server: { trustProxy, rateLimit: { windowMs: 60000, limit: 1 } } }));
  try {
    const codes: number[] = [];
    for (const [i, forwarded] of ['203.0.113.7', '198.51.100.9'].entries()) {
      const body = pythonJsonDumps(jobservBuild(700 + i));
      codes.push((await post(`${r.url}/hooks/foundries`, body, signedHeaders('jobserv', SECRET, body, { 'x-forwarded-for': forwarded }))).status);
    }
    return codes;
  } finally {
    await r.hookd.close();
  }
}

describe('client address and trustProxy', () => {
  it('behind a trusted proxy (ngrok on loopback) each forwarded client has its own rate limit', async () => {
    assert.deepEqual(await twoClients('loopback'), [200, 200]);
  });
  it('with trustProxy false, X-Forwarded-For is ignored: both requests count against the proxy address', async () => {
    assert.deepEqual(await twoClients(false), [200, 429]);
  });
});

describe('a slow client cannot hold a socket forever', () => {
  it('a client that never finishes its headers is cut off after headersTimeoutMs', async () => {
    const r = await startReceiver(baseConfig({ server: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 } }));
    try {
      const { port } = new URL(r.url);
      const started = Date.now();
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => socket.write('POST /hooks/foundries HTTP/1.1\r\nHost: x\r\nX-Slow: '));
        let data = '';
        socket.on('data', (d: Buffer) => (data += d.toString()));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
        setTimeout(() => reject(new Error('socket still open after 8 s')), 8000).unref();
      });
      const took = Date.now() - started;
      assert.match(answer, /^HTTP\/1\.1 408/);
      assert.ok(took < 4000, `closed after ${took} ms`);
    } finally {
      await r.hookd.close();
    }
  });
});

describe('probes', () => {
  it('/healthz and /readyz answer on the ingest port without a token', async () => {
    const r = await startReceiver();
    try {
      assert.equal((await fetch(`${r.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${r.url}/readyz`)).status, 200);
      assert.equal((await fetch(`${r.hookd.adminUrl}/healthz`)).status, 200);
      const res = await fetch(`${r.url}/hooks/foundries`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      assert.ok(res.headers.get('x-request-id'), 'each answer names its request id');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', 'helmet headers are set');
      assert.equal(res.headers.get('x-powered-by'), null);
    } finally {
      await r.hookd.close();
    }
  });
});
