// Test helpers for the admin surface: an SSE client (read with fetch, as the inspector does) and a
// Prometheus text-format parser.

/**
 * Opens GET /api/stream with the bearer token. `next(event)` resolves with the next message of
 * that type ({event, id, data}) or rejects after `timeoutMs`.
 */
export async function openStream(adminUrl, token, headers = {}) {
  const ctrl = new AbortController();
  const res = await fetch(`${adminUrl}/api/stream`, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: ctrl.signal });
  if (res.status !== 200) throw new Error(`stream answered ${res.status}`);
  const queue = [];
  const waiters = [];
  let failed;
  (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const msg = { event: 'message', id: undefined, data: '' };
          for (const line of block.split('\n')) {
            if (!line || line.startsWith(':')) continue;
            const i = line.indexOf(':');
            const field = line.slice(0, i);
            const value = line.slice(i + 1).replace(/^ /, '');
            if (field === 'data') msg.data += value;
            else if (field === 'event' || field === 'id') msg[field] = value;
          }
          if (!msg.data) continue;
          msg.data = JSON.parse(msg.data);
          queue.push(msg);
          wake();
        }
      }
    } catch (err) {
      if (!ctrl.signal.aborted) failed = err;
    }
    failed ??= new Error('stream ended');
    wake();
  })();
  function wake() {
    for (const w of waiters.splice(0)) w();
  }
  return {
    async next(event, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const at = queue.findIndex((m) => m.event === event);
        if (at >= 0) return queue.splice(0, at + 1).at(-1);
        if (failed) throw failed;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no '${event}' message within ${timeoutMs} ms`);
        await new Promise((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => (clearTimeout(t), resolve()));
        });
      }
    },
    close() {
      ctrl.abort();
    },
  };
}

/**
 * Parses the Prometheus text exposition format (0.0.4) strictly enough to catch a malformed
 * line: answers {families: Map(name → {type, help}), samples: [{name, labels, value}]}.
 */
export function parsePrometheus(text) {
  const families = new Map();
  const samples = [];
  const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (\S+)( -?\d+)?$/;
  // Go's ParseFloat, which Prometheus uses: case-insensitive NaN and Inf (prom-client writes "Nan").
  const number = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf|nan)$/i;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const f = families.get(meta[2]) ?? {};
      if (meta[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(meta[3])) throw new Error(`bad TYPE: ${line}`);
        f.type = meta[3];
      } else f.help = meta[3];
      families.set(meta[2], f);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = sampleLine.exec(line);
    if (!m || !number.test(m[4])) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    const labels = {};
    for (const [, k, v] of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[k] = v.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1], labels, value: /nan/i.test(m[4]) ? NaN : Number(m[4].replace(/inf/i, 'Infinity')) });
  }
  for (const s of samples) {
    const family = [s.name, s.name.replace(/_(bucket|sum|count|total|created)$/, '')].find((n) => families.has(n));
    if (!family || !families.get(family).type) throw new Error(`sample ${s.name} has no # TYPE line`);
  }
  return { families, samples };
}

/** The value of one sample (0 if absent), matching every label given. */
export function sample(parsed, name, labels = {}) {
  const s = parsed.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s ? s.value : 0;
}
