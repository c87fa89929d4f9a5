// Preload a hookd database with N stored JobServ events, written directly with better-sqlite3 in
// the shape hookd's own writer gives them (requests + events rows, same body size, real dedupe
// keys, ULIDs in receipt order over the last few days). Much faster than POSTing them: ~1M rows
// in about a minute: one writer, big transactions, synchronous=OFF (a bench fixture, not data
// anyone needs to survive a power cut) and the secondary indexes whose keys come in order built
// once at the end.
//
// usage: node bench/preload.mjs DB_FILE COUNT      (the schema must exist: `hookd migrate` first)
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { monotonicFactory } from 'ulid';
import { pythonJsonDumps, jobservBuild, signature, SIG_HEADER } from './lib/jobserv.mjs';

const SOURCE = 'foundries';
const SCHEMA = 'iglu:dev.hookd.jobserv/build_complete/jsonschema/1-0-0';

/** Appends `count` events; returns how long it took (ms). Build ids start at `firstBuildId` (kept clear of the bench's own). */
export function preload(file, count, { firstBuildId = 1, spreadMs = 6 * 86_400_000, onProgress } = {}) {
  const started = performance.now();
  const db = new Database(file);
  // No journal while loading (every page is written once, not to the WAL and again at checkpoint);
  // hookd finds the file in WAL mode as it left it.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144'); // 256 MiB while loading; hookd's own connections use their defaults
  // Secondary indexes whose keys arrive in order are dropped and rebuilt after the load (a sorted
  // bulk build packs pages just as appending does, and is faster); their SQL comes from the database
  // itself, so they stay exactly hookd's. The dedupe index is kept while loading: its keys (hashes)
  // arrive in random order, and a store hookd filled has that index's pages about two-thirds full,
  // as random inserts leave them. Rebuilt in bulk it would be packed full, and every insert hookd
  // then makes would split a page (measured: ~8 pages written per insert instead of ~1) until the
  // index had loosened: not the store hookd grows, but one just after a VACUUM or REINDEX.
  const RANDOM_ORDER = new Set(['events_dedupe']);
  const indexes = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('requests', 'events') AND sql IS NOT NULL")
    .all()
    .filter((i) => !RANDOM_ORDER.has(i.name));
  for (const { name } of indexes) db.exec(`DROP INDEX "${name}"`);
  const insertRequest = db.prepare('INSERT INTO requests (id, source, received_at, content_type, headers, body) VALUES (?, ?, ?, ?, ?, ?)');
  const insertEvent = db.prepare(
    'INSERT INTO events (id, source, received_at, request_id, item, payload, schema, dedupe_key, status, errors) VALUES (?, ?, ?, ?, 0, NULL, ?, ?, ?, NULL)',
  );
  const MARK = 987654321;
  const template = pythonJsonDumps(jobservBuild(MARK)).split(String(MARK));
  const from = Date.now() - spreadMs;
  const step = spreadMs / count;
  const ulid = monotonicFactory();
  const CHUNK = 20_000;
  const load = db.transaction((start, end) => {
    for (let i = start; i < end; i++) {
      const body = Buffer.from(template.join(String(firstBuildId + i)));
      const at = Math.floor(from + i * step);
      const id = ulid(at);
      const headers = JSON.stringify({
        host: '127.0.0.1:8080',
        'content-type': 'application/json',
        'content-length': String(body.length),
        [SIG_HEADER]: signature(body),
        'user-agent': 'python-requests/2.31.0',
      });
      insertRequest.run(id, SOURCE, at, 'application/json', headers, body);
      // One quarantined event in 50, as a real store would have a few.
      const status = i % 50 === 49 ? 'quarantined' : 'accepted';
      insertEvent.run(id, SOURCE, at, id, SCHEMA, 'sha256:' + createHash('sha256').update(body).digest('hex').slice(0, 32), status);
    }
  });
  for (let start = 0; start < count; start += CHUNK) {
    load(start, Math.min(count, start + CHUNK));
    onProgress?.(Math.min(count, start + CHUNK));
  }
  for (const { sql } of indexes) db.exec(sql);
  db.pragma('journal_mode = WAL');
  db.close();
  return performance.now() - started;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, countArg] = process.argv.slice(2);
  if (!file || !countArg) {
    console.error('usage: node bench/preload.mjs DB_FILE COUNT');
    process.exit(2);
  }
  const ms = preload(file, Number(countArg), { onProgress: (n) => process.stderr.write(`\rpreloaded ${n}`) });
  process.stderr.write(`\npreloaded ${countArg} events in ${(ms / 1000).toFixed(1)} s\n`);
}
