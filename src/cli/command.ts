/**
 * One CLI verb. `hookd <name> [sub] …` finds the command by name and hands it the remaining argv.
 * A command returns its exit code; it writes to `out` / `err` (so tests can capture them).
 */
export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  name: string;
  summary: string;
  /** Full help text, printed by `--help`. */
  usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
  /** Verbs like `events` dispatch to these; `hookd events list --help` prints the row's own usage. */
  subcommands?: Command[];
}
