import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type SecretRef, type SecretSpec } from './load.js';

/**
 * Secrets are a literal, {env}, {file} (trimmed, as jobserv-webhook-example reads /webhook-secret),
 * or a list of these for rotation. They are read once at start; nothing else ever logs them.
 */
export function readSecrets(spec: SecretSpec, where: string, baseDir: string, env: NodeJS.ProcessEnv): string[] {
  const refs: SecretRef[] = Array.isArray(spec) ? spec : [spec];
  return refs.map((ref, i) => {
    const at = refs.length > 1 ? `${where}[${i}]` : where;
    if (typeof ref === 'string') return ref;
    if ('env' in ref) {
      const value = env[ref.env];
      if (!value) throw new ConfigError([`${at}: environment variable ${ref.env} is not set`]);
      return value.trim();
    }
    const file = path.resolve(baseDir, ref.file);
    let value: string;
    try {
      value = fs.readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError([`${at}: cannot read secret file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
    }
    if (!value) throw new ConfigError([`${at}: secret file ${file} is empty`]);
    return value;
  });
}

/** Where generated secrets live: one file per name, mode 0600, in <data dir>/secrets/. */
export function generatedSecretPath(dataDir: string, name: string): string {
  return path.join(dataDir, 'secrets', `${name}.secret`);
}

export function readGeneratedSecret(dataDir: string, name: string): string | null {
  try {
    return fs.readFileSync(generatedSecretPath(dataDir, name), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Returns the stored secret, or creates it; `created` tells the caller to print it once. */
export function ensureGeneratedSecret(dataDir: string, name: string, make: () => string): { value: string; created: boolean } {
  const existing = readGeneratedSecret(dataDir, name);
  if (existing) return { value: existing, created: false };
  const file = generatedSecretPath(dataDir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const value = make();
  try {
    // 'wx': two processes starting at once must not both think they created it.
    fs.writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { value: readGeneratedSecret(dataDir, name)!, created: false };
    throw err;
  }
  return { value, created: true };
}
