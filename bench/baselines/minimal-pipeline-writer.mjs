// The minimal pipeline's writer thread: group commit in better-sqlite3 (WAL, synchronous=FULL).
// A transaction takes everything queued on the port when it starts; whatever arrives while it
// commits goes in the next one. One answer message per transaction: the ids it made durable.
import { receiveMessageOnPort, workerData, parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { dbFile, port } = workerData;
const db = new Database(dbFile);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS webhooks (seq INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, body BLOB NOT NULL)');
const insert = db.prepare('INSERT INTO webhooks (seq, received_at, body) VALUES (?, ?, ?)');
const commit = db.transaction((batch) => {
  for (const [id, at, body] of batch) insert.run(id, at, body);
});

port.on('message', (first) => {
  let batch = [first];
  for (;;) {
    for (let m; (m = receiveMessageOnPort(port));) batch.push(m.message);
    commit(batch);
    port.postMessage(batch.map((x) => x[0]));
    const next = receiveMessageOnPort(port);
    if (!next) return;
    batch = [next.message];
  }
});
parentPort.postMessage('ready');
