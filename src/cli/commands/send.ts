import type { Command } from '../command.js';
import { configFrom, option, parse } from '../context.js';
import { readBodyArg, sourceForCli } from '../sources.js';
import { KINDS } from '../../ingest/kinds.js';
import { sign } from '../../verify/sign.js';

export const send: Command = {
  name: 'send',
  summary: 'sign a file and POST it to a running receiver, as the source\'s sender would',
  usage: `hookd send <source> <file|-> [--url URL] [--config FILE] [--json]

POSTs the exact bytes of <file> to <url>/hooks/<source> (default: this config's receiver on
127.0.0.1:<server.port>) with the sender's Content-Type and signature or token headers.
Prints the answer; exits 0 on a 2xx, 1 otherwise.`,
  async run(argv, io) {
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
  },
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
