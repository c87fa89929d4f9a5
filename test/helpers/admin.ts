// Test helpers for the admin surface: an SSE client (read with fetch, as the inspector does) and a
// Prometheus text-format parser.

/**
 * Opens GET /api/stream with the bearer token. `next(event)` resolves with the next message of
 * that type ({event, id, data}) or rejects after `timeoutMs`.
 */
export interface StreamMessage {
  event: string;
  id: string | undefined;
  // The message's JSON as the server sent it; each test reads the fields its message type has.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

export interface Stream {
  next(event: string, timeoutMs?: number): Promise<StreamMessage>;
  close(): void;
}

export async function openStream(adminUrl: string, token: string, headers: Record<string, string> = {}): Promise<Stream> {
  const ctrl = new AbortController();
  const res = await fetch(`${adminUrl}/api/stream`, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: ctrl.signal });
  if (res.status !== 200) throw new Error(`stream answered ${res.status}`);
  const body = res.body;
  if (!body) throw new Error('stream has no body');
  const queue: StreamMessage[] = [];
  const waiters: (() => void)[] = [];
  let failed: unknown;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const msg: StreamMessage = { event: 'message', id: undefined, data: '' };
          for (const line of block.split('\n')) {
            if (!line || line.startsWith(':')) continue;
            const i = line.indexOf(':');
            const field = line.slice(0, i);
            const value = line.slice(i + 1).replace(/^ /, '');
            if (field === 'data') msg.data += value;
            else if (field === 'event') msg.event = value;
            else if (field === 'id') msg.id = value;
          }
          if (!msg.data) continue;
          msg.data = JSON.parse(msg.data as string);
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
        if (at >= 0) return queue.splice(0, at + 1).at(-1)!;
        if (failed) throw failed;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no '${event}' message within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
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
export interface Family {
  type?: string;
  help?: string;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Parsed {
  families: Map<string, Family>;
  samples: Sample[];
}

export function parsePrometheus(text: string): Parsed {
  const families = new Map<string, Family>();
  const samples: Sample[] = [];
  const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (\S+)( -?\d+)?$/;
  // Go's ParseFloat, which Prometheus uses: case-insensitive NaN and Inf (prom-client writes "Nan").
  const number = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf|nan)$/i;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, what, name = '', rest = ''] = meta;
      const f = families.get(name) ?? {};
      if (what === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad TYPE: ${line}`);
        f.type = rest;
      } else f.help = rest;
      families.set(name, f);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = sampleLine.exec(line);
    const [, name = '', , pairs = '', raw = ''] = m ?? [];
    if (!m || !number.test(raw)) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const [, k = '', v = ''] of pairs.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[k] = v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name, labels, value: /nan/i.test(raw) ? NaN : Number(raw.replace(/inf/i, 'Infinity')) });
  }
  for (const s of samples) {
    const family = [s.name, s.name.replace(/_(bucket|sum|count|total|created)$/, '')].find((n) => families.has(n));
    if (!family || !families.get(family)?.type) throw new Error(`sample ${s.name} has no # TYPE line`);
  }
  return { families, samples };
}

/** The value of one sample (0 if absent), matching every label given. */
export function sample(parsed: Parsed, name: string, labels: Record<string, string> = {}): number {
  const s = parsed.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s ? s.value : 0;
}
