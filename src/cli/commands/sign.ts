import type { CliIO } from '../command.js';
import { configFrom, parse } from '../context.js';
import { readBodyArg, sourceForCli } from '../sources.js';
import { sign } from '../../verify/sign.js';

/** `hookd sign <source> <file|->`: the header lines the source's sender would send (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, {});
  const config = configFrom(values, io);
  const source = sourceForCli(config, positionals[0], io);
  const headers = sign(source.verify, source.credentials.secrets[0] ?? '', readBodyArg(positionals[1]));
  if (values.json) io.out(JSON.stringify(headers));
  else for (const [name, value] of Object.entries(headers)) io.out(`${name}: ${value}`);
  return 0;
}
