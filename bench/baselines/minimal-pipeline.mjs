// Baseline 3, the "essential work" reference (issue 13): what a webhook receiver that keeps
// hookd's promise has to do at the least, with the libraries hookd uses and nothing else.
//
//   Express 5 + helmet + express-rate-limit, configured as src/http/ingest-app.ts configures them
//   → the raw body (express.raw, raw-body underneath, as hookd)
//   → HMAC-SHA256 of the raw bytes against `X-JobServ-Sig: sha256:<hex>` (constant time)
//   → JSON.parse
//   → one compiled ajv validator (the JobServ build_complete schema from registry/, draft-04 via
//     ajv-draft-04 + ajv-formats, as hookd compiles it)
//   → one message to a worker_threads writer (minimal-pipeline-writer.mjs) doing group commit in
//     better-sqlite3, journal_mode=WAL, synchronous=FULL
//   → 200 only after the transaction holding the request has committed.
//
// Not here, because hookd adds them beyond the essential: access log, metrics, observers, dedupe,
// event ids, header copies, the dispatcher, plugins. One table, one row per webhook (its body).
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';

const here = path.dirname(fileURLToPath(import.meta.url));
const secret = process.env.BENCH_SECRET ?? 'test-secret-not-real';
const windowMs = Number(process.env.BENCH_RATE_WINDOW_MS ?? 60_000);
const limit = Number(process.env.BENCH_RATE_LIMIT ?? 100_000_000);
const dbFile = path.resolve(process.env.BENCH_DB ?? 'minimal-pipeline.db');

// The schema as hookd hands it to ajv: without Iglu's `self` and `$schema` (src/iglu/validate.ts).
const Ajv04 = Ajv04Module.default ?? Ajv04Module;
const addFormats = addFormatsModule.default ?? addFormatsModule;
const schemaFile = path.join(here, '..', '..', 'registry', 'schemas', 'dev.hookd.jobserv', 'build_complete', 'jsonschema', '1-0-0');
const { self: _self, $schema: _meta, ...schema } = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
const ajv = new Ajv04({ allErrors: true, strict: false, addUsedSchema: false });
addFormats(ajv);
const validate = ajv.compile(schema);

// The writer thread and the port it takes work on (a port of its own, so it can drain it synchronously).
const { port1: port, port2 } = new MessageChannel();
const writer = new Worker(path.join(here, 'minimal-pipeline-writer.mjs'), { workerData: { dbFile, port: port2 }, transferList: [port2] });
writer.on('error', (err) => {
  console.error('writer thread failed', err);
  process.exit(1);
});
const waiting = new Map();
let nextId = 0;
port.on('message', (ids) => {
  for (const id of ids) {
    const done = waiting.get(id);
    waiting.delete(id);
    done?.();
  }
});
const ready = new Promise((resolve) => writer.once('message', resolve));

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.set('trust proxy', 'loopback');
app.use(
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
  }),
);
app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
const limiter = rateLimit({ windowMs, limit, standardHeaders: false, legacyHeaders: false });

app.post('/hooks/:source', limiter, express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
  const body = req.body;
  const given = Buffer.from(String(req.headers['x-jobserv-sig'] ?? ''));
  const expected = Buffer.from('sha256:' + createHmac('sha256', secret).update(body).digest('hex'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return void res.status(401).json({ status: 'rejected' });
  let payload;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return void res.status(400).json({ status: 'invalid_json' });
  }
  if (!validate(payload)) return void res.status(422).json({ status: 'invalid', errors: validate.errors.length });
  const id = ++nextId;
  waiting.set(id, () => res.json({ status: 'accepted', seq: id }));
  port.postMessage([id, Date.now(), body]);
});

await ready;
app.listen(Number(process.env.PORT), '127.0.0.1');

// Exit cleanly on SIGTERM so --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
