import type { CliIO } from '../command.js';
import { configFrom, option, parse } from '../context.js';
import { readBodyArg, sourceForCli } from '../sources.js';
import { KINDS } from '../../senders/kinds.js';
import { sign } from '../../verify/sign.js';

/** `hookd send <source> <file|->`: signs the bytes and POSTs them as the sender would (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { url: { type: 'string' } });
  const config = configFrom(values, io);
  const source = sourceForCli(config, positionals[0], io);
  const body = readBodyArg(positionals[1]);
  const base = (option(values, 'url') ?? `http://127.0.0.1:${config.server.port}`).replace(/\/+$/, '');
  const url = `${base}/hooks/${encodeURIComponent(source.name)}`;
  const headers = {
    'content-type': KINDS[source.kind].contentType,
    'user-agent': 'hookd-send',
    ...sign(source.verify, source.credentials.secrets[0] ?? '', body),
  };
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    io.err(`hookd send: cannot reach ${url}: ${(err as Error).cause ?? (err as Error).message}`);
    return 1;
  }
  const text = await res.text();
  if (values.json) io.out(JSON.stringify({ status: res.status, body: safeJson(text) }));
  else io.out(`${res.status} ${res.statusText}\n${text}`);
  return res.ok ? 0 : 1;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
