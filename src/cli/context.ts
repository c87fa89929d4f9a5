import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type HookdConfig } from '../config/load.js';
import { UsageError, type CliIO } from './command.js';

/** Options every command takes. */
export const COMMON_OPTIONS = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export interface ParsedArgs {
  values: { config?: string; help?: boolean; json?: boolean; [option: string]: string | boolean | string[] | undefined };
  positionals: string[];
}

export function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>): ParsedArgs {
  try {
    return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true }) as ParsedArgs;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function configFrom(values: ParsedArgs['values'], io: CliIO): HookdConfig {
  return loadConfig({
    ...(typeof values.config === 'string' ? { configFile: values.config } : {}),
    env: io.env,
    cwd: io.cwd,
  });
}

/** A bad config is the user's to fix: every bad field, then exit 1. */
export function reportConfigError(err: unknown, io: CliIO): number {
  if (err instanceof ConfigError) {
    io.err(`hookd: ${err.message}`);
    return 1;
  }
  throw err;
}

/** A string option's value, if given. */
export function option(values: ParsedArgs['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}
