// Several `hookd serve` replicas on one PostgreSQL database, and load spread over them the way a
// round-robin load balancer would: each replica gets its share of the connections (saturation)
// or of the offered rate (paced). A client-side split costs no proxy hop, so the figures are
// hookd's and PostgreSQL's, not nginx's.
import fs from 'node:fs';
import pg from 'pg';
import { runLoad } from './load.mjs';
import { runPaced } from './paced.mjs';
import { cpuSeconds, watchRss } from './receiver.mjs';

export const BENCH_DATABASE_URL = process.env.HOOKD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function withClient(fn) {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new, empty PostgreSQL schema for one bench target (hookd creates its tables there). */
export async function freshSchema(prefix = 'hookd_bench_') {
  const name = `${prefix}${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await withClient((c) => c.query(`CREATE SCHEMA "${name}"`));
  return name;
}

export async function dropSchema(name) {
  await withClient((c) => c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`));
}

/** The storage section for a replica of a bench target on `schema` (`extra`: poolSize, leaseMs). */
export function postgresStorage(schema, extra = {}) {
  return { postgres: { url: BENCH_DATABASE_URL, schema, ...extra } };
}

/** CPU seconds used so far by every PostgreSQL server process on this machine (the database's share of the work). */
export function postgresCpuSeconds() {
  let total = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    total += cpuSeconds(pid) ?? 0;
  }
  return total;
}

/**
 * One round of a load phase across `servers` (one or more replicas of one target): the pooled
 * load-generator figures, the replicas' summed CPU, the largest replica RSS, and PostgreSQL's CPU.
 */
export async function roundAcross(servers, { rate, connections = 16, duration, onAck }) {
  const rss = servers.map((s) => watchRss(s.pid));
  const cpu0 = servers.map((s) => cpuSeconds(s.pid));
  const pg0 = postgresCpuSeconds();
  const n = servers.length;
  const parts = await Promise.all(
    servers.map((s, i) =>
      rate
        ? runPaced({ url: s.url, rate: rate / n, duration, onAck })
        : // Connections split as evenly as they go: 16 over 3 replicas is 6, 5, 5.
          runLoad({ url: s.url, connections: Math.floor(connections / n) + (i < connections % n ? 1 : 0), duration }),
    ),
  );
  const cpu = servers.reduce((a, s, i) => a + (cpuSeconds(s.pid) - cpu0[i]), 0);
  const statuses = {};
  for (const p of parts) for (const [code, k] of Object.entries(p.statuses)) statuses[code] = (statuses[code] ?? 0) + k;
  const durationS = Math.max(...parts.map((p) => p.durationS));
  const latencies = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
  return {
    r: {
      requests: latencies.length,
      rps: latencies.length / durationS,
      p99: latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))] ?? NaN,
      latencies,
      statuses,
      errors: parts.reduce((a, p) => a + p.errors, 0),
      timeouts: parts.reduce((a, p) => a + (p.timeouts ?? 0), 0),
      durationS,
    },
    cpu,
    pgCpu: postgresCpuSeconds() - pg0,
    rssMax: Math.max(...rss.map((w) => w.stop().max)),
  };
}
