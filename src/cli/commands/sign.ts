import type { Command } from '../command.js';
import { configFrom, parse } from '../context.js';
import { readBodyArg, sourceForCli } from '../sources.js';
import { sign as signBody } from '../../verify/sign.js';

export const sign: Command = {
  name: 'sign',
  summary: 'print the signature header(s) a source\'s sender would put on a body',
  usage: `hookd sign <source> <file|-> [--config FILE] [--json]

Signs the exact bytes of <file> (or standard input) the way the source's sender does, with the
secret hookd uses for that source, and prints the header lines, e.g.
  X-JobServ-Sig: sha256:…
Use it with curl:  curl -H "$(hookd sign jobserv body.json)" --data-binary @body.json …`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, {});
    const config = configFrom(values, io);
    const source = sourceForCli(config, positionals[0], io);
    const headers = signBody(source.verify, source.credentials.secrets[0] ?? '', readBodyArg(positionals[1]));
    if (values.json) io.out(JSON.stringify(headers));
    else for (const [name, value] of Object.entries(headers)) io.out(`${name}: ${value}`);
    return 0;
  },
};
