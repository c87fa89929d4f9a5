import { KINDS, type DedupeRule, type Kind, type SchemaRule } from '../senders/kinds.js';
import { schemaRuleOf } from '../ingest/schema-check.js';
import type { Credentials, VerifyRule } from '../verify/types.js';
import { generateSecret } from '../verify/sign.js';
import { ConfigError, parseSize, type HookdConfig, type SourceConfig } from './load.js';
import { ensureGeneratedSecret, readGeneratedSecret, readSecrets } from './secrets.js';

/** A source as the ingest path uses it: everything decided at start, nothing looked up per request. */
export interface Source {
  name: string;
  kind: Kind;
  verify: VerifyRule;
  credentials: Credentials;
  bodyLimit: number;
  dedupe: DedupeRule[];
  schema: SchemaRule;
  batch: 'shotgrid' | undefined;
  /** Lower-case header names never stored (tokens, cookies). */
  secretHeaders: Set<string>;
}

export interface GeneratedSecret {
  source: string;
  kind: Kind;
  secret: string;
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** serve: create missing secrets; CLI verbs only read what serve created. */
  generate: boolean;
}

export function resolveSources(config: HookdConfig, opts: ResolveOptions): { sources: Map<string, Source>; generated: GeneratedSecret[]; warnings: string[] } {
  const env = opts.env ?? process.env;
  const sources = new Map<string, Source>();
  const generated: GeneratedSecret[] = [];
  const warnings: string[] = [];
  const problems: string[] = [];

  for (const [name, sc] of Object.entries(config.sources)) {
    try {
      const verify = verifyRuleFor(name, sc);
      const credentials: Credentials = { secrets: [] };
      if (verify.type !== 'none') {
        const spec = verify.type === 'token' ? (sc.token ?? sc.secret) : (sc.secret ?? sc.token);
        if (spec) credentials.secrets = readSecrets(spec, `/sources/${name}/${sc.token ? 'token' : 'secret'}`, config.baseDir, env);
        if (sc.publicKey) credentials.publicKeys = readSecrets(sc.publicKey, `/sources/${name}/publicKey`, config.baseDir, env);
        if (credentials.secrets.length === 0 && !credentials.publicKeys?.length) {
          if (opts.generate) {
            const made = ensureGeneratedSecret(config.dataDir, name, () => generateSecret(verify));
            credentials.secrets = [made.value];
            if (made.created) generated.push({ source: name, kind: sc.kind, secret: made.value });
          } else {
            const stored = readGeneratedSecret(config.dataDir, name);
            if (stored) credentials.secrets = [stored];
          }
        }
      } else {
        warnings.push(`source '${name}' has verify: none — anyone who can reach it can post events`);
      }
      const preset = KINDS[sc.kind];
      const secretHeaders = new Set(['authorization', 'cookie', 'x-hookd-token']);
      if (verify.type === 'token') secretHeaders.add(verify.header);
      sources.set(name, {
        name,
        kind: sc.kind,
        verify,
        credentials,
        bodyLimit: sc.bodyLimit !== undefined ? parseSize(sc.bodyLimit) : (preset.bodyLimit ?? config.server.bodyLimit),
        dedupe: sc.dedupe ? [parseDedupe(sc.dedupe), { by: 'body-sha256' }] : preset.dedupe,
        schema: schemaRuleOf(sc),
        batch: preset.batch,
        secretHeaders,
      });
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return { sources, generated, warnings };
}

function verifyRuleFor(name: string, sc: SourceConfig): VerifyRule {
  if (sc.verify === 'none') return { type: 'none' };
  const preset = KINDS[sc.kind].verify;
  if (sc.verify === 'token' || preset?.type === 'token') {
    return { type: 'token', header: (sc.tokenHeader ?? 'x-hookd-token').toLowerCase() };
  }
  if (sc.kind === 'hmac') {
    if (!sc.header) throw new ConfigError([`/sources/${name}: kind hmac needs 'header' (and optionally algorithm, encoding, prefix)`]);
    return { type: 'hmac', header: sc.header.toLowerCase(), algorithm: sc.algorithm ?? 'sha256', encoding: sc.encoding ?? 'hex', prefix: sc.prefix ?? '' };
  }
  if (!preset) throw new ConfigError([`/sources/${name}: kind ${sc.kind} has no verification preset`]);
  if (preset.type === 'standard' && sc.toleranceSeconds) return { ...preset, toleranceSeconds: sc.toleranceSeconds };
  return preset;
}

function parseDedupe(text: string): DedupeRule {
  if (text === 'body') return { by: 'body-sha256' };
  if (text.startsWith('header:')) return { by: 'header', header: text.slice(7).toLowerCase() };
  return { by: 'field', path: text.slice(6) };
}
