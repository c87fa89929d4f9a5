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

export type RunCommand = (argv: string[], io: CliIO) => Promise<number>;

/** A row of the verb table (verbs.ts): what `--help` needs, and the module that does the work. */
export interface Command {
  name: string;
  summary: string;
  /** Full help text, printed by `--help`. */
  usage: string;
  /** Verbs like `events` dispatch to these; `hookd events list --help` prints the row's own usage. */
  subcommands?: Command[];
  /** Imported only when the verb runs: start-up pays for this verb's dependencies, no other's. */
  load(): Promise<{ run: RunCommand }>;
}

/** Thrown by commands for a usage mistake: printed with the command's usage, exit 2. */
export class UsageError extends Error {}
