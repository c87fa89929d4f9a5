// Inclusive (self + callees) time of the functions whose name or file matches a pattern.
// usage: node bench/lib/profile-inclusive.mjs FILE.cpuprofile PATTERN...
import fs from 'node:fs';

const [file, ...patterns] = process.argv.slice(2);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
prof.samples.forEach((s, i) => self.set(s, (self.get(s) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const label = (n) =>
  `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*node_modules\//, 'nm:').replace(/.*\/dist\//, 'dist/')}:${n.callFrame.lineNumber + 1}`;
const incl = new Map();
for (const [id, us] of self) {
  // Count each label once per sample stack (recursion-safe).
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur));
    if (seen.has(l)) continue;
    seen.add(l);
    if (patterns.some((p) => l.includes(p))) incl.set(l, (incl.get(l) ?? 0) + us);
  }
}
for (const [l, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 60)) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${l}`);
