// Summarise a V8 .cpuprofile: self time by function and by package, the biggest first.
// usage: node bench/lib/profile-summary.mjs FILE.cpuprofile [top]
import fs from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 30);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fnAgg = new Map();
const pkgAgg = new Map();
for (const [id, us] of self) {
  const { callFrame: cf } = byId.get(id);
  const where = cf.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm:');
  const fn = `${cf.functionName || '(anon)'} ${where}:${cf.lineNumber + 1}`;
  fnAgg.set(fn, (fnAgg.get(fn) ?? 0) + us);
  const pkg =
    cf.url === ''
      ? cf.functionName || '(native)'
      : (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(cf.url)?.[1] ??
        (cf.url.startsWith('node:') ? 'node:' + cf.url.slice(5).split('/')[0] : cf.url.includes('/dist/') ? 'hookd:' + cf.url.split('/dist/')[1] : cf.url));
  pkgAgg.set(pkg, (pkgAgg.get(pkg) ?? 0) + us);
}
const show = (title, m) => {
  console.log(`\n${title} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
};
show('by package/file', pkgAgg);
show('by function', fnAgg);
