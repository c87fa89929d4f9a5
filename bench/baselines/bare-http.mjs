// Baseline 1: the least a webhook receiver can do. node:http, read the body, check the JobServ
// HMAC on the raw bytes (constant time), answer. No framework, no parsing, no storage.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

const secret = process.env.BENCH_SECRET ?? 'test-secret-not-real';
const ok = Buffer.from('{"status":"accepted"}');

http
  .createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return void res.end('{"status":"ok"}');
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const given = Buffer.from(String(req.headers['x-jobserv-sig'] ?? ''));
      const expected = Buffer.from('sha256:' + createHmac('sha256', secret).update(body).digest('hex'));
      const valid = given.length === expected.length && timingSafeEqual(given, expected);
      res.writeHead(valid ? 200 : 401, { 'content-type': 'application/json', 'content-length': valid ? ok.length : 2 });
      res.end(valid ? ok : '{}');
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1');

// Exit cleanly on SIGTERM so --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
