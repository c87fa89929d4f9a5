// README → What the sender gets back "A client error never yields a 5xx": a corpus of well over 1,000 malformed requests,
// most written on raw sockets because fetch cannot say them (lying Content-Length, broken chunked
// framing, invalid UTF-8 under a valid signature, slow bodies, oversized headers, odd methods).
// Every answer must be a 4xx (or a 503); afterwards the receiver is healthy, its memory bounded,
// and a normal webhook still gets its 200.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  freshBuild,
  logLines,
  logLinesAtLeast,
  pool,
  portOf,
  post,
  pythonJsonDumps,
  jobservBuild,
  rawExchange,
  receiverDir,
  signature,
  start,
  watchRss,
} from './support.js';
import type { Child, Exchange, Part, RssWatch } from './support.js';

const LIMIT = 1024 * 1024; // the default bodyLimit (1 MiB)
const HOST = 'Host: 127.0.0.1\r\n';
const rng = mulberry32(0x5eed);

interface RequestSpec {
  method?: string;
  target?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** null: no Content-Length header at all. */
  contentLength?: number | null;
  version?: string;
}

/** A complete HTTP/1.1 request as bytes. */
function request({
  method = 'POST',
  target = '/hooks/foundries',
  headers = {},
  body = Buffer.alloc(0),
  contentLength = body.length,
  version = 'HTTP/1.1',
}: RequestSpec): Buffer {
  const lines = [`${method} ${target} ${version}`, 'Host: 127.0.0.1'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (contentLength !== null) lines.push(`Content-Length: ${contentLength}`);
  lines.push('Connection: close');
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), Buffer.from(body)]);
}

const signedHeaders = (body: Buffer): Record<string, string> => ({ 'Content-Type': 'application/json', 'X-JobServ-Sig': signature(body) });
const build = (id: number): Buffer => Buffer.from(pythonJsonDumps(jobservBuild(id)));

/** Each case: a name (its family), the bytes to send (with optional pauses) and, where the contract says exactly, the status. */
interface Case {
  family: string;
  parts: Part[];
  expect: number | undefined;
}

function corpus(): Case[] {
  const cases: Case[] = [];
  const add = (family: string, parts: Part | Part[], expect?: number) => cases.push({ family, parts: Array.isArray(parts) ? parts : [parts], expect });

  // Truncated bodies: the signature covers the whole body (→ 401), or the cut bytes (→ 400, not JSON).
  for (let i = 0; i < 120; i++) {
    const full = build(10_000 + i);
    const cut = full.subarray(0, 1 + Math.floor(rng() * (full.length - 2)));
    add('truncated, signature of the whole body', request({ headers: signedHeaders(full), body: cut }), 401);
    add('truncated, signature of the cut body', request({ headers: signedHeaders(cut), body: cut }), 400);
  }

  // Oversized: declared over the limit (refused before reading), and chunked past the limit.
  for (let i = 0; i < 40; i++) {
    const declared = [LIMIT + 1, LIMIT + 1 + Math.floor(rng() * 10 * LIMIT), 2 ** 31, 2 ** 53, 10 ** 15][i % 5];
    add('oversized, declared', request({ headers: signedHeaders(build(1)), body: Buffer.alloc(0), contentLength: declared }), 413);
  }
  for (let i = 0; i < 20; i++) {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const parts: Part[] = [
      Buffer.from(
        `POST /hooks/foundries HTTP/1.1\r\n${HOST}Content-Type: application/json\r\nX-JobServ-Sig: sha256:00\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      ),
    ];
    for (let sent = 0; sent <= LIMIT + chunk.length; sent += chunk.length)
      parts.push(Buffer.concat([Buffer.from(chunk.length.toString(16) + '\r\n'), chunk, Buffer.from('\r\n')]));
    parts.push(Buffer.from('0\r\n\r\n'));
    add('oversized, chunked', parts, 413);
  }

  // Invalid UTF-8 inside a body with a valid signature.
  const badSequences = [
    [0xff],
    [0xfe],
    [0xc0, 0x80],
    [0xe0, 0x80, 0x80],
    [0xed, 0xa0, 0x80],
    [0x80],
    [0xbf],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xc3],
    [0xe2, 0x82],
  ];
  for (let i = 0; i < 110; i++) {
    const text = build(20_000 + i);
    const at = text.indexOf('containers-devel') + 3 + (i % 8);
    const body = Buffer.concat([text.subarray(0, at), Buffer.from(badSequences[i % badSequences.length]), text.subarray(at)]);
    add('invalid UTF-8, signed', request({ headers: signedHeaders(body), body }), 400);
  }

  // Deeply nested JSON with a valid signature: alone, and as a field of a real build.
  for (let i = 0; i < 100; i++) {
    const depth = [129, 200, 1000, 10_000, 100_000][i % 5] + i;
    const open = i % 2 ? '{"a":'.repeat(depth) : '['.repeat(depth);
    const close = i % 2 ? '}'.repeat(depth) : ']'.repeat(depth);
    const inner = open + '1' + close;
    const body = Buffer.from(i % 4 < 2 ? inner : pythonJsonDumps(jobservBuild(30_000 + i)).replace('"status": "PASSED"', `"status": "PASSED", "x": ${inner}`));
    add('deeply nested JSON, signed', request({ headers: signedHeaders(body), body }), 400);
  }

  // Huge headers: one big value, very many headers, a huge target; Node's 16 KiB header limit answers 431.
  for (let i = 0; i < 40; i++) {
    const size = [17 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024][i % 4];
    add('huge header value', request({ headers: { ...signedHeaders(build(1)), 'X-Filler': 'a'.repeat(size) }, body: build(1) }), 431);
  }
  for (let i = 0; i < 30; i++) {
    const headers: Record<string, string> = {};
    for (let h = 0; h < 1000 + i * 100; h++) headers[`X-H${h}`] = 'v';
    // Under 16 KiB they are read (and the missing signature refused); over it, 431.
    add('very many headers', request({ headers, body: build(1) }));
  }
  for (let i = 0; i < 30; i++)
    add('huge request target', request({ target: '/hooks/foundries?' + 'q'.repeat(20_000 + i * 1000), headers: signedHeaders(build(1)), body: build(1) }), 431);

  // Wrong methods on the webhook path and elsewhere.
  const methods = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'MKCOL', 'PURGE', 'LINK', 'SEARCH'];
  for (let i = 0; i < 120; i++) {
    const method = methods[i % methods.length];
    const target = ['/hooks/foundries', '/hooks/nope', '/', '/hooks/', '/hooks/foundries/extra'][i % 5];
    add('wrong method', request({ method, target, contentLength: null }));
  }
  for (let i = 0; i < 20; i++)
    add('unknown method token', Buffer.from(`${['FOO', 'P0ST', 'post', 'GET\x01'][i % 4]} /hooks/foundries HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`));

  // Content-Length lies and broken framing.
  for (let i = 0; i < 40; i++) {
    const body = build(40_000 + i);
    // Declares more than is sent, then waits: the request timeout must answer (408), not hang.
    add('content-length longer than the body', request({ headers: signedHeaders(body), body, contentLength: body.length + 1 + i }), 408);
  }
  for (let i = 0; i < 40; i++) {
    const body = build(50_000 + i);
    // Declares less than is sent: the rest is read as a second, garbage request.
    add('content-length shorter than the body', request({ headers: signedHeaders(body), body, contentLength: body.length - 1 - i }));
  }
  const badLengths = ['abc', '-1', '1.5', '0x10', '1e3', ' ', '99999999999999999999999', '12, 13'];
  for (let i = 0; i < 40; i++) {
    const body = build(1);
    add(
      'malformed content-length',
      Buffer.from(
        `POST /hooks/foundries HTTP/1.1\r\n${HOST}Content-Type: application/json\r\nContent-Length: ${badLengths[i % badLengths.length]}\r\nConnection: close\r\n\r\n${body}`,
      ),
      400,
    );
  }
  for (let i = 0; i < 20; i++) {
    const body = build(1);
    add(
      'two different content-lengths',
      Buffer.from(
        `POST /hooks/foundries HTTP/1.1\r\n${HOST}Content-Length: ${body.length}\r\nContent-Length: ${body.length + 5}\r\nConnection: close\r\n\r\n${body}`,
      ),
      400,
    );
  }
  for (let i = 0; i < 20; i++) {
    const body = build(1);
    add(
      'content-length with chunked',
      Buffer.from(
        `POST /hooks/foundries HTTP/1.1\r\n${HOST}Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      ),
      400,
    );
  }
  for (let i = 0; i < 20; i++) {
    const size = ['zz', '-5', 'fffffffffffffffffff', '1;\x00', ''][i % 5];
    add(
      'broken chunked framing',
      Buffer.from(
        `POST /hooks/foundries HTTP/1.1\r\n${HOST}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${size}\r\n{}\r\n0\r\n\r\n`,
      ),
      400,
    );
  }

  // Slow bodies and slow headers: a byte at a time, slower than the request/headers timeouts allow.
  for (let i = 0; i < 25; i++) {
    const body = build(60_000 + i);
    const whole = request({ headers: signedHeaders(body), body });
    const headEnd = whole.indexOf('\r\n\r\n') + 4;
    const parts: Part[] = [whole.subarray(0, headEnd)];
    for (let b = 0; b < 40; b++) parts.push({ delayMs: 100 }, whole.subarray(headEnd + b, headEnd + b + 1));
    add('slow body', parts, 408);
  }
  for (let i = 0; i < 25; i++) {
    const parts: Part[] = [];
    const head = `POST /hooks/foundries HTTP/1.1\r\n${HOST}X-Slow: ${'s'.repeat(60)}\r\n`;
    for (let b = 0; b < head.length; b++) parts.push(head[b], { delayMs: 50 });
    add('slow headers', parts, 408);
  }

  // Everything else a scanner or a confused sender tries.
  const b1 = build(1);
  const wrongSig = { 'Content-Type': 'application/json', 'X-JobServ-Sig': 'sha256:' + '0'.repeat(64) };
  const misc: [name: string, make: () => Buffer, expect?: number][] = [
    ['not a JSON content type', () => request({ headers: { 'Content-Type': 'text/plain', 'X-JobServ-Sig': signature(b1) }, body: b1 }), 415],
    ['compressed body', () => request({ headers: { ...signedHeaders(b1), 'Content-Encoding': 'gzip' }, body: b1 }), 415],
    ['wrong signature', () => request({ headers: wrongSig, body: b1 }), 401],
    ['no signature', () => request({ headers: { 'Content-Type': 'application/json' }, body: b1 }), 401],
    ['signature in another scheme', () => request({ headers: { 'Content-Type': 'application/json', 'X-JobServ-Sig': 'md5:abc' }, body: b1 }), 401],
    [
      'two signatures in one header',
      () => request({ headers: { 'Content-Type': 'application/json', 'X-JobServ-Sig': [signature(b1), signature(build(2))].join(', ') }, body: b1 }),
      401,
    ],
    ['not JSON, signed', () => request({ headers: signedHeaders(Buffer.from('not json')), body: Buffer.from('not json') }), 400],
    ['empty body, signed', () => request({ headers: signedHeaders(Buffer.alloc(0)), body: Buffer.alloc(0) }), 400],
    [
      'byte order mark before {}, signed (read as {}, fails the schema)',
      () => request({ headers: signedHeaders(Buffer.from('\ufeff{}')), body: Buffer.from('\ufeff{}') }),
      422,
    ],
    ['JSON array, signed', () => request({ headers: signedHeaders(Buffer.from('[]')), body: Buffer.from('[]') }), 422],
    ['JSON null, signed', () => request({ headers: signedHeaders(Buffer.from('null')), body: Buffer.from('null') }), 422],
    ['JSON string, signed', () => request({ headers: signedHeaders(Buffer.from('"x"')), body: Buffer.from('"x"') }), 422],
    ['not a build, signed', () => request({ headers: signedHeaders(Buffer.from('{"build_id": -1}')), body: Buffer.from('{"build_id": -1}') }), 422],
    ['bad percent-encoding in the source', () => request({ target: '/hooks/%ff', headers: signedHeaders(b1), body: b1 })],
    ['lone % in the source', () => request({ target: '/hooks/%', headers: signedHeaders(b1), body: b1 })],
    ['NUL in the source', () => request({ target: '/hooks/foundries%00', headers: signedHeaders(b1), body: b1 }), 404],
    ['path traversal', () => request({ target: '/hooks/..%2f..%2fetc%2fpasswd', headers: signedHeaders(b1), body: b1 }), 404],
    ['5000-character source', () => request({ target: '/hooks/' + 'x'.repeat(5000), headers: signedHeaders(b1), body: b1 }), 404],
    ['absolute-form target with a broken host', () => request({ target: 'http://[/hooks/foundries', headers: wrongSig, body: b1 })],
    [
      'absolute-form target, bad query escape',
      () => request({ target: 'http://evil.example/hooks/foundries?token=%zz', headers: { 'Content-Type': 'application/json' }, body: b1 }),
    ],
    [
      'truncated UTF-8 escape in the query',
      () => request({ target: '/hooks/foundries?token=%E0%A4%A', headers: { 'Content-Type': 'application/json' }, body: b1 }),
      401,
    ],
    ['OPTIONS *', () => request({ target: '*', method: 'OPTIONS', contentLength: null })],
    ['HTTP/1.0, unsigned', () => request({ version: 'HTTP/1.0', headers: { 'Content-Type': 'application/json' }, body: b1 }), 401],
    ['HTTP/9.9', () => request({ version: 'HTTP/9.9', headers: signedHeaders(b1), body: b1 })],
    [
      'garbage X-Forwarded-For, wrong signature',
      () => request({ headers: { ...wrongSig, 'X-Forwarded-For': 'not an address, ::::, 999.1.1.1' }, body: b1 }),
      401,
    ],
    ['hostile X-Request-Id, wrong signature', () => request({ headers: { ...wrongSig, 'X-Request-Id': '../../' + 'z'.repeat(500) }, body: b1 }), 401],
    ['unknown expectation', () => request({ headers: { ...wrongSig, Expect: 'teapot' }, body: b1 }), 417],
    ['UTF-16 charset, wrong signature', () => request({ headers: { ...wrongSig, 'Content-Type': 'application/json; charset=utf-16' }, body: b1 }), 415],
    [
      'signature header twice',
      () =>
        Buffer.from(
          `POST /hooks/foundries HTTP/1.1\r\n${HOST}Content-Type: application/json\r\nX-JobServ-Sig: ${signature(b1)}\r\nX-JobServ-Sig: ${signature(b1)}\r\nContent-Length: ${b1.length}\r\nConnection: close\r\n\r\n${b1}`,
        ),
      401,
    ],
    ['space in a header name', () => Buffer.from(`POST /hooks/foundries HTTP/1.1\r\n${HOST}Bad Header Name: x\r\nConnection: close\r\n\r\n`), 400],
    ['NUL in a header value', () => Buffer.from(`POST /hooks/foundries HTTP/1.1\r\n${HOST}X-Nul: a\x00b\r\nConnection: close\r\n\r\n`), 400],
    ['bare LF line endings', () => Buffer.from(`POST /hooks/foundries HTTP/1.1\n${HOST.trim()}\nConnection: close\n\n`)],
    ['HTTP/2 preface', () => Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), 400],
    ['TLS ClientHello', () => Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...Array<number>(64).fill(7)]), 400],
    ['empty lines only', () => Buffer.from('\r\n\r\n\r\nX'), 400],
    [
      'websocket upgrade',
      () =>
        Buffer.from(
          `GET /hooks/foundries HTTP/1.1\r\n${HOST}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        ),
    ],
    [
      'h2c upgrade on a POST',
      () => Buffer.from(`POST /hooks/foundries HTTP/1.1\r\n${HOST}Upgrade: h2c\r\nConnection: Upgrade, close\r\nContent-Length: 2\r\n\r\n{}`),
    ],
    ['CONNECT', () => Buffer.from(`CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n`)],
  ];
  for (let i = 0; i < 190; i++) {
    const [name, make, expect] = misc[i % misc.length];
    add(name, make(), expect);
  }
  return cases;
}

describe('a corpus of malformed requests', () => {
  let hookd: Child;
  before(async () => {
    // Short request/headers timeouts so slow clients and lying lengths are answered in a second.
    const setup = receiverDir({ prefix: 'hookd-fault-corpus-', server: { requestTimeoutMs: 1000, headersTimeoutMs: 1000 } });
    hookd = await start(setup);
  });
  after(async () => {
    await hookd?.stop();
  });

  it('gets only 4xx (or 503) answers, never another 5xx, and leaves the receiver healthy with bounded memory', async (t) => {
    const cases = corpus();
    assert.ok(cases.length >= 1000, `the corpus has ${cases.length} requests`);
    const port = portOf(hookd.url);
    // Twice: the second pass must not need more memory than the first (nothing retained per request).
    const passes: { results: (Case & Exchange)[]; memory: ReturnType<RssWatch['stop']>; seconds: number }[] = [];
    for (let pass = 1; pass <= 2; pass++) {
      const rss = watchRss(hookd.pid, 100);
      const started = Date.now();
      const results = await pool(cases, 48, async (c) => ({ ...c, ...(await rawExchange(port, c.parts)) }));
      passes.push({ results, memory: rss.stop(), seconds: (Date.now() - started) / 1000 });
    }
    const results = passes.flatMap((p) => p.results);

    const byFamily = new Map<string, Record<string, number>>();
    const bad: (Case & Exchange)[] = [];
    const unanswered: (Case & Exchange)[] = [];
    const mismatched: (Case & Exchange)[] = [];
    for (const r of results) {
      const family = r.family;
      const entry = byFamily.get(family) ?? {};
      for (const s of r.statuses) entry[s] = (entry[s] ?? 0) + 1;
      if (!r.statuses.length) entry[r.how] = (entry[r.how] ?? 0) + 1;
      byFamily.set(family, entry);
      if (r.statuses.some((s) => !((s >= 400 && s < 500) || s === 503))) bad.push(r);
      // CONNECT with no 'connect' listener: Node closes the socket without answering (not a 5xx).
      if (!r.statuses.length && !/^CONNECT /.test(String(r.parts[0]))) unanswered.push(r);
      if (r.expect && r.statuses[0] !== r.expect) mismatched.push(r);
    }
    for (const [i, p] of passes.entries()) {
      t.diagnostic(
        `pass ${i + 1}: ${cases.length} malformed requests in ${p.seconds.toFixed(1)} s; receiver RSS max ${p.memory.max.toFixed(0)} MB, after ${p.memory.last?.toFixed(0) ?? '?'} MB`,
      );
    }
    for (const [family, counts] of byFamily) t.diagnostic(`  ${family}: ${JSON.stringify(counts)}`);
    const memory = { max: Math.max(...passes.map((p) => p.memory.max)) };

    const show = (rs: (Case & Exchange)[]) =>
      rs
        .slice(0, 5)
        .map((r) => `${r.family}: ${JSON.stringify(r.statuses)} ${r.how} ${r.raw.split('\r\n')[0]}`)
        .join('\n');
    assert.equal(bad.length, 0, `answers outside 4xx/503:\n${show(bad)}`);
    assert.equal(unanswered.length, 0, `requests closed without an answer:\n${show(unanswered)}`);
    assert.equal(
      mismatched.length,
      0,
      `answers other than the contract's:\n${show(mismatched.map((r) => ({ ...r, family: `${r.family} (expected ${r.expect})` })))}`,
    );
    assert.ok(memory.max < 200, `RSS peaked at ${memory.max.toFixed(0)} MB`);
    assert.ok(
      passes[1].memory.max < passes[0].memory.max + 30,
      `RSS grew from ${passes[0].memory.max.toFixed(0)} to ${passes[1].memory.max.toFixed(0)} MB on the second pass`,
    );

    // Healthy afterwards: probes answer, a real webhook is accepted, nothing was logged as an internal error.
    const health = await fetch(`${hookd.url}/healthz`);
    assert.equal(health.status, 200);
    const { body, headers } = freshBuild();
    const ok = await post(hookd.url, body, headers);
    assert.equal(ok.status, 200);
    assert.equal(ok.json.status, 'accepted');
    // Instead of a pause before reading the log: one process writes it in order, so once this last
    // webhook's access-log line is in the file, so is every line logged for the corpus before it.
    const reqId = ok.headers['x-request-id'];
    assert.ok(typeof reqId === 'string', 'the answer carries X-Request-Id');
    const logDeadline = Date.now() + 10_000;
    while (!logLines(hookd.logFile).some((l) => l.reqId === reqId)) {
      assert.ok(Date.now() < logDeadline, `the access-log line of request ${reqId} was not written within 10 s`);
      await sleep(25);
    }
    const errors = logLinesAtLeast(hookd.logFile, 50);
    assert.deepEqual(
      errors.map((l) => l.msg),
      [],
      'error-level log lines',
    );
  });
});

/** A small seeded PRNG, so a failing corpus can be replayed exactly. */
function mulberry32(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
