// A fixed offered rate, paced: one request every 1000/rate ms, open loop, whatever the answers do.
//
// Why not autocannon's overallRate: it is a per-second budget per connection. Each connection
// sends back to back (closed loop) until it has used its share of the second, then waits for the
// next second; so "1000 req/s over 16 connections" is a burst at saturation speed at the top of
// every second, and the latencies it reports are those of a 16-deep queue, not of a sender that
// posts a webhook whenever a job changes state. Senders like Aurora post one event at a time.
//
// Why plain sockets rather than node:http or undici: the load generator shares the receiver's
// cores, and at 1,000/s node:http's client cost 410-425 µs of CPU per request on the 2-vCPU bench
// machine (undici's Pool 360), i.e. 0.4 of the two cores the receiver is measured on; this one
// costs 190-220. It writes each request in one write on a keep-alive connection (one request in
// flight per connection, no pipelining) and reads the answer by its Content-Length, which every
// target sends; anything else (chunked, a closed connection) counts as an error, never as an answer.
import net from 'node:net';
import { latencySummary } from './stats.mjs';
import { nextSignedBody } from './load.mjs';
import { SIG_HEADER } from './jobserv.mjs';

const now = () => performance.timeOrigin + performance.now();
const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Sends `rate` requests per second for `duration` seconds. Latency runs from the moment a request
 * is issued (its scheduled time, give or take the timer's ~1 ms) to the end of its answer, so a
 * request that waits for a free connection (at most `maxSockets`) counts its wait (no coordinated
 * omission).
 */
export async function runPaced({ url, path = '/hooks/foundries', rate = 1000, duration = 10, maxSockets = 64, onAck }) {
  const target = new URL(path, url);
  const interval = 1000 / rate;
  const total = Math.round(rate * duration);
  const latencies = [];
  const statuses = {};
  let errors = 0;
  let sent = 0;
  let settled = 0;
  const idle = [];
  const waiting = [];
  const open = new Set();

  const settle = (ok) => {
    settled++;
    if (!ok) errors++;
  };

  /** A keep-alive connection carrying one request at a time: `send(request)` when it is idle. */
  const connect = () => {
    const socket = net.connect(Number(target.port), target.hostname);
    socket.setNoDelay(true);
    let inFlight; // the request written and not yet answered: { t0, bytes }
    let chunks = [];
    let buffered = 0;
    const conn = {
      send(request) {
        inFlight = request;
        socket.write(request.bytes);
      },
      close: () => socket.destroy(),
    };
    open.add(conn);
    socket.on('data', (chunk) => {
      if (!inFlight) return;
      chunks.push(chunk);
      buffered += chunk.length;
      const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered);
      const end = data.indexOf(HEADER_END);
      if (end < 0) return;
      const head = data.toString('latin1', 0, end);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!length) {
        socket.destroy(new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`));
        return;
      }
      const bodyEnd = end + 4 + Number(length[1]);
      if (data.length < bodyEnd) {
        chunks = [data];
        return;
      }
      chunks = [];
      buffered = 0;
      const status = Number(head.slice(9, 12));
      latencies.push(performance.now() - inFlight.t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (onAck && status === 200) {
        try {
          const id = JSON.parse(data.toString('utf8', end + 4, bodyEnd)).id;
          if (id) onAck(id, now());
        } catch {
          /* a baseline's answer has no id */
        }
      }
      settle(true);
      inFlight = undefined;
      const next = waiting.shift();
      if (next) conn.send(next);
      else idle.push(conn);
    });
    socket.on('error', () => {}); // 'close' follows and settles what was in flight
    socket.on('close', () => {
      open.delete(conn);
      const i = idle.indexOf(conn);
      if (i >= 0) idle.splice(i, 1);
      if (inFlight) settle(false);
      inFlight = undefined;
      // A request waiting for a connection gets a new one.
      const next = waiting.length && open.size < maxSockets ? waiting.shift() : undefined;
      if (next) connect().send(next);
    });
    return conn;
  };

  const send = () => {
    const { body, sig } = nextSignedBody();
    const bytes = Buffer.from(
      `POST ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: application/json\r\n` +
        `${SIG_HEADER}: ${sig}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    const request = { t0: performance.now(), bytes };
    const conn = idle.pop() ?? (open.size < maxSockets ? connect() : undefined);
    if (conn) conn.send(request);
    else waiting.push(request);
  };

  const started = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
      while (sent < due) {
        send();
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, started + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  // The last request goes out at (total - 1) intervals: at 10/s that undercounts a 2 s phase by 5 %.
  const sendSeconds = Math.max(duration, (performance.now() - started) / 1000);
  const deadline = Date.now() + 30_000;
  while (settled < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const conn of open) conn.close();

  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    rps: latencies.length / sendSeconds,
    ...latencySummary(latencies),
    statuses,
    /** Every latency (ms), sorted: what interleaved rounds pool. */
    latencies,
    errors: errors + (total - settled),
    timeouts: 0,
    durationS: sendSeconds,
  };
}
