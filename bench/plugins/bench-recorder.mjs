// The bench's "one matching plugin": records, per event, when its handler started, so the harness
// can measure dispatch lag. One line per call: `<id> <receivedAt> <startedAt> <pid>` (epoch ms,
// sub-millisecond; the pid says which replica ran it when several share one database).
// appendFileSync: each line is in the page cache before handle() returns, so it survives a
// SIGKILL of hookd (the fault tests count on that), and O_APPEND keeps replicas' lines whole.
import fs from 'node:fs';

const out = process.env.BENCH_PLUGIN_LOG;
const now = () => performance.timeOrigin + performance.now();

export default {
  name: 'bench-recorder',
  match: { source: 'foundries' },
  handle(event) {
    const startedAt = now();
    if (out) fs.appendFileSync(out, `${event.id} ${event.receivedAt} ${startedAt.toFixed(3)} ${process.pid}\n`);
  },
};
