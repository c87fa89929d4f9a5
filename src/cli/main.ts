#!/usr/bin/env node
import { UsageError, type CliIO } from './command.js';
import { COMMANDS } from './verbs.js';

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
    const { run } = await command.load();
    return await run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`hookd ${name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    // Imported here, not up front: loading config (ajv, yaml) is the cost of a command, not of --help.
    const { reportConfigError } = await import('./context.js');
    return reportConfigError(err, io);
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
