// The measured reasons behind three choices in src/, printed by the bench beside its other figures
// (the code's comments name these lines instead of carrying numbers that go stale):
//
//   deadline signal   src/ingest/receive.ts: requests share one AbortSignal per 10 ms of deadline
//                     instead of an AbortSignal.timeout() each;
//   writer hand-off   src/ingest/receive.ts exactSize(): a body crosses to the writer thread in a
//                     buffer of its own, not as a slice of Node's 8 KiB pool;
//   dedupe key width  src/ingest/dedupe.ts bodyKey(): 128 bits of the SHA-256 in the unique index,
//                     not the whole digest, with many events stored.
//
// Each is timed in this process, the alternative beside the choice, over the same inputs.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';

const perCall = (ms, n) => (ms * 1000) / n;

/** µs per request to get a deadline signal: one AbortSignal.timeout() each vs the shared one per 10 ms. */
function deadlineSignal(n) {
  const own = () => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) AbortSignal.timeout(6000);
    return perCall(performance.now() - t0, n);
  };
  const shared = () => {
    let cached;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const deadline = Date.now() + 6000;
      const at = deadline - (deadline % 10);
      if (cached?.at !== at) cached = { at, signal: AbortSignal.timeout(at + 10 - Date.now()) };
    }
    return perCall(performance.now() - t0, n);
  };
  own(); // warm-up
  return { chosen: shared(), instead: own() };
}

/** µs per body posted to a worker thread: a ~1.4 KB slice of Node's pool vs a copy of its own size. */
async function writerHandOff(n, bytes) {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads'); let k = 0; parentPort.on('message', (m) => { if (m === 'done?') parentPort.postMessage(k); else k++; });`,
    {
      eval: true,
    },
  );
  const drained = () => new Promise((resolve) => (worker.once('message', resolve), worker.postMessage('done?')));
  const body = 'x'.repeat(bytes);
  const run = async (exact) => {
    const bufs = Array.from({ length: n }, () => Buffer.from(body)); // each a slice of the 8 KiB pool
    const t0 = performance.now();
    for (const b of bufs) worker.postMessage(exact ? new Uint8Array(b) : b);
    const ms = performance.now() - t0;
    await drained();
    return perCall(ms, n);
  };
  await run(true); // warm-up
  const result = { instead: await run(false), chosen: await run(true) };
  await worker.terminate();
  return result;
}

/**
 * CPU µs per insert into a unique (source, key) index already holding `stored` rows: 32 hex digits
 * (128 bits) vs the whole 64-digit digest. The rows are written first without timing.
 */
function dedupeKeyWidth(dir, stored, measured) {
  const run = (digits) => {
    const file = path.join(dir, `dedupe-${digits}.db`);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.exec('CREATE TABLE e (seq INTEGER PRIMARY KEY, source TEXT NOT NULL, dedupe_key TEXT NOT NULL); CREATE UNIQUE INDEX e_dedupe ON e (source, dedupe_key)');
    const insert = db.prepare('INSERT INTO e (source, dedupe_key) VALUES (?, ?)');
    const key = () => 'sha256:' + createHash('sha256').update(randomBytes(16)).digest('hex').slice(0, digits);
    const fill = db.transaction((count) => {
      for (let i = 0; i < count; i++) insert.run('jobserv', key());
    });
    for (let left = stored; left > 0; left -= 50_000) fill(Math.min(50_000, left));
    const keys = Array.from({ length: measured }, key);
    db.pragma('synchronous = NORMAL');
    const one = db.transaction((k) => insert.run('jobserv', k));
    const before = process.cpuUsage();
    for (const k of keys) one(k); // a transaction each, as the writer commits small groups
    const used = process.cpuUsage(before);
    db.close();
    for (const f of fs.readdirSync(dir).filter((x) => x.startsWith(`dedupe-${digits}.db`))) fs.rmSync(path.join(dir, f));
    return (used.user + used.system) / measured;
  };
  return { chosen: run(32), instead: run(64) };
}

/**
 * Runs the three measurements; `quick` uses fewer calls and a smaller store. Each answers what was
 * chosen (`choice`) and timed (`chosen`), beside the alternative and its time (`instead`).
 */
export async function measureDesignChoices({ dir, quick, bodyBytes }) {
  const stored = quick ? 200_000 : 1_000_000;
  return [
    {
      name: 'deadline signal',
      where: 'src/ingest/receive.ts',
      choice: 'one signal per 10 ms of deadlines',
      alternative: 'AbortSignal.timeout() per request',
      unit: 'µs/request',
      ...deadlineSignal(quick ? 20_000 : 100_000),
    },
    {
      name: 'writer hand-off',
      where: 'src/ingest/receive.ts exactSize()',
      choice: `a ${bodyBytes} B body in its own buffer`,
      alternative: 'a slice of the 8 KiB pool',
      unit: 'µs/post',
      ...(await writerHandOff(quick ? 20_000 : 100_000, bodyBytes)),
    },
    {
      name: 'dedupe key width',
      where: 'src/ingest/dedupe.ts bodyKey()',
      choice: `128-bit key, ${stored} stored`,
      alternative: '256-bit key',
      unit: 'CPU µs/insert',
      ...dedupeKeyWidth(dir, stored, quick ? 5_000 : 20_000),
    },
  ];
}
