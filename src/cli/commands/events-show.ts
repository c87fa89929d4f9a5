import { UsageError, type CliIO } from '../command.js';
import { configFrom, parse } from '../context.js';
import { detailJson, type EventDetailJson } from '../../admin/event-json.js';
import { formatSize, localTime, openReader, outcomesOf } from './events-view.js';

/** `hookd events show <id>`: everything stored about one event (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { raw: { type: 'boolean' } });
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('give one event id (see `hookd events list`)');
  const config = configFrom(values, io);
  const reader = await openReader(config);
  try {
    const event = await reader.getEvent(id);
    if (!event) {
      io.err(`hookd events show: no event with id '${id}'`);
      return 1;
    }
    if (values.raw) {
      // Bytes, not text: a body that is not UTF-8 must come out exactly as it went in.
      await new Promise<void>((resolve, reject) => process.stdout.write(event.body, (err) => (err ? reject(err) : resolve())));
      return 0;
    }
    const detail = detailJson(event, await outcomesOf(reader, event.id));
    if (values.json) io.out(JSON.stringify(detail));
    else for (const line of describe(detail)) io.out(line);
  } finally {
    await reader.close();
  }
  return 0;
}

function describe(e: EventDetailJson): string[] {
  const field = (name: string, value: string) => `${name.padEnd(13)}${value}`;
  const out = [
    `event ${e.id}  ${e.source}  ${e.status.toUpperCase()}`,
    field('received', `${localTime(e.receivedAt)} (${e.receivedAt})`),
    field('schema', e.schema ?? '-'),
    field('content-type', e.contentType ?? '(none)'),
    field('size', `${formatSize(e.size)}${e.item ? `, delivery ${e.item + 1} of request ${e.requestId}` : ''}`),
    field('dedupe key', e.dedupeKey),
  ];
  if (e.status === 'quarantined') {
    out.push('', 'why quarantined:', `  ${e.reason}`);
    for (const err of e.errors ?? []) out.push(`  - ${err.path || '(document)'}: ${err.message}`);
  }
  out.push('', 'headers:');
  for (const [name, value] of Object.entries(e.headers).sort(([a], [b]) => a.localeCompare(b))) out.push(`  ${name}: ${value}`);
  out.push('', e.item ? 'payload (this delivery):' : 'body:');
  const pretty = e.payload !== null ? JSON.stringify(e.payload, null, 2) : (e.body ?? `(not UTF-8; base64) ${e.bodyBase64}`);
  for (const line of pretty.split('\n')) out.push(`  ${line}`);
  out.push('', 'plugins:');
  if (!e.outcomes.length) out.push(e.status === 'quarantined' ? '  (quarantined events are not handed to plugins)' : '  (no outcome recorded)');
  const width = Math.max(0, ...e.outcomes.map((o) => o.plugin.length));
  for (const o of e.outcomes) {
    out.push(`  ${o.plugin.padEnd(width)}  ${o.status.padEnd(7)}  attempts ${o.attempts}${o.error ? `  error: ${o.error}` : ''}`);
  }
  return out;
}
