import { createHash } from 'node:crypto';
import type { PluginMeta } from './handler.js';
import type { BuiltinPluginConfig } from './plugin.js';

/**
 * What the config's built-in plugins share: `exec` (./exec.ts) and `forward` (./forward.ts) are
 * declared in `plugins.builtins` instead of a file, fingerprinted by their config entry.
 */

/** The config entry's fingerprint: a changed entry re-activates a deactivated built-in at the next start. */
export function builtinHash(cfg: BuiltinPluginConfig): string {
  return createHash('sha256').update(JSON.stringify(cfg)).digest('hex');
}

/** The plugin's name, match and options, from its config entry. */
export function metaOf(cfg: BuiltinPluginConfig): PluginMeta {
  return { name: cfg.name, match: cfg.match, continueOnError: cfg.continueOnError === true, from: cfg.from ?? 'newest' };
}
