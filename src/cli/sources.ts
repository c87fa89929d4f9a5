import fs from 'node:fs';
import type { HookdConfig } from '../config/load.js';
import { resolveSources, type Source } from '../config/sources.js';
import { UsageError, type CliIO } from './command.js';

/** A configured source with the secret `serve` uses (read, never generated, by CLI verbs). */
export function sourceForCli(config: HookdConfig, name: string | undefined, io: CliIO): Source {
  if (!name) throw new UsageError('name a source');
  const { sources } = resolveSources(config, { env: io.env, generate: false });
  const source = sources.get(name);
  if (!source) throw new UsageError(`no source named '${name}' (configured: ${[...sources.keys()].join(', ') || 'none'})`);
  if (source.verify.type !== 'none' && source.credentials.secrets.length === 0) {
    throw new UsageError(`source '${name}' has no secret yet: configure one, or start the receiver once (hookd serve) to generate it`);
  }
  return source;
}

export function readBodyArg(file: string | undefined): Buffer {
  if (!file) throw new UsageError('name a body file (or - for standard input)');
  return fs.readFileSync(file === '-' ? 0 : file);
}
