// A fixed offered rate, paced: one request every 1000/rate ms, open loop, whatever the answers do.
//
// Why not autocannon's overallRate: it is a per-second budget per connection. Each connection
// sends back to back (closed loop) until it has used its share of the second, then waits for the
// next second; so "1000 req/s over 16 connections" is a burst at saturation speed at the top of
// every second, and the latencies it reports are those of a 16-deep queue, not of a sender that
// posts a webhook whenever a job changes state. Senders like Aurora post one event at a time.
import http from 'node:http';
import { latencySummary } from './stats.mjs';
import { nextSignedBody } from './load.mjs';
import { SIG_HEADER } from './jobserv.mjs';

const now = () => performance.timeOrigin + performance.now();

/**
 * Sends `rate` requests per second for `duration` seconds. Latency runs from the moment a request
 * is issued (its scheduled time, give or take the timer's ~1 ms) to the end of its answer, so a
 * request that waits for a free socket counts its wait (no coordinated omission).
 */
export async function runPaced({ url, path = '/hooks/foundries', rate = 1000, duration = 10, maxSockets = 64, onAck }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const target = new URL(path, url);
  const interval = 1000 / rate;
  const total = Math.round(rate * duration);
  const latencies = [];
  const statuses = {};
  let errors = 0;
  let sent = 0;
  let settled = 0;
  const started = performance.now();

  const send = () => {
    const { body, sig } = nextSignedBody();
    const t0 = performance.now();
    const req = http.request(target, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', [SIG_HEADER]: sig, 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        latencies.push(performance.now() - t0);
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (onAck && res.statusCode === 200) {
          try {
            const id = JSON.parse(Buffer.concat(chunks).toString()).id;
            if (id) onAck(id, now());
          } catch {
            /* a baseline's answer has no id */
          }
        }
        settled++;
      });
    });
    req.on('error', () => {
      errors++;
      settled++;
    });
    req.end(body);
  };

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
  const sendSeconds = (performance.now() - started) / 1000;
  const deadline = Date.now() + 30_000;
  while (settled < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  agent.destroy();

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
