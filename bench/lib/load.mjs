// Drive a receiver with autocannon: every request a fresh signed JobServ build (unique build_id,
// so dedupe never short-circuits), latencies kept at full (sub-ms) precision per response.
import autocannon from 'autocannon';
import { latencySummary } from './stats.mjs';
import { pythonJsonDumps, jobservBuild, signature, SIG_HEADER } from './jobserv.mjs';

const MARK = 987654321; // a build_id that appears nowhere else in the template
const template = pythonJsonDumps(jobservBuild(MARK)).split(String(MARK));

let nextBuildId = 1_000_000 + Math.floor(Math.random() * 1_000_000) * 1000;

/** A signed body for a build id never used before in this process. */
export function nextSignedBody() {
  const body = template.join(String(nextBuildId++));
  return { body, sig: signature(body) };
}

export const BODY_BYTES = Buffer.byteLength(template.join(String(nextBuildId)));

/**
 * Runs one closed-loop load phase (each connection sends its next request when the last is
 * answered). Resolves with throughput, latency percentiles (ms) over every response, status
 * counts and errors.
 */
export async function runLoad({ url, path = '/hooks/foundries', connections = 16, duration = 10, overallRate, warmup = 0 }) {
  if (warmup > 0) await runLoad({ url, path, connections, duration: warmup, overallRate });
  const latencies = [];
  const requests = [
    {
      method: 'POST',
      path,
      setupRequest(req) {
        const { body, sig } = nextSignedBody();
        req.body = body;
        req.headers = { 'content-type': 'application/json', [SIG_HEADER]: sig };
        return req;
      },
    },
  ];
  const instance = autocannon({
    url,
    connections,
    duration,
    requests,
    ...(overallRate ? { overallRate } : {}),
    // Latencies are recorded below at full precision; autocannon's own histogram is whole ms.
  });
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const statuses = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = count;
  return {
    requests: latencies.length,
    rps: latencies.length / result.duration,
    ...latencySummary(latencies),
    statuses,
    /** Every latency (ms), sorted: what interleaved rounds pool. */
    latencies,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    durationS: result.duration,
  };
}
