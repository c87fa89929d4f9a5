#!/usr/bin/env node
import type { CliIO, Command } from './command.js';
import { reportConfigError, UsageError } from './context.js';
import { doctor } from './commands/doctor.js';
import { events } from './commands/events.js';
import { migrate } from './commands/migrate.js';
import { plugins } from './commands/plugins.js';
import { prune } from './commands/prune.js';
import { schemas } from './commands/schemas.js';
import { send } from './commands/send.js';
import { serve } from './commands/serve.js';
import { sign } from './commands/sign.js';
import { ConfigError } from '../config/load.js';

/** Every verb of `hookd`; SPEC §1 names them. */
export const COMMANDS: Command[] = [serve, events, plugins, sign, send, schemas, migrate, prune, doctor];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'hookd — webhook receiver: verify, validate, store durably, dispatch to plugins',
    '',
    'usage: hookd <command> [options]      (hookd <command> --help for its options)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Common options: --config FILE (else HOOKD_CONFIG, ./hookd.yaml, ./hookd.json), --json, --help',
  ].join('\n');
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`hookd: unknown command '${name}'\n\n${overview()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const sub = command.subcommands?.find((c) => c.name === rest[0]);
    io.out((sub ?? command).usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`hookd ${name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    if (err instanceof ConfigError) return reportConfigError(err, io);
    throw err;
  }
}

// `hookd events list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const io: CliIO = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  env: process.env,
  cwd: process.cwd(),
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`hookd: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
