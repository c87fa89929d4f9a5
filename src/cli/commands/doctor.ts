import fs from 'node:fs';
import path from 'node:path';
import { UsageError, type CliIO } from '../command.js';
import { configFrom, parse } from '../context.js';
import { ConfigError, type HookdConfig } from '../../config/load.js';
import { readGeneratedSecret } from '../../config/secrets.js';
import { resolveSources } from '../../config/sources.js';
import { createSchemaService } from '../../iglu/index.js';
import { checkPlugins as checkPluginFiles } from '../../dispatch/check.js';
import { openStore } from '../../store/open.js';
import { ADMIN_TOKEN_NAME } from '../../serve.js';
import { checkAdminSurface } from '../../admin/probe.js';

export type Level = 'ok' | 'warn' | 'fail';
export interface Finding {
  check: string;
  level: Level;
  message: string;
}
export type DoctorCheck = (config: HookdConfig, io: CliIO) => Promise<Finding[]>;

/** Each check looks at one part and says what it found; any 'fail' makes doctor exit 1. */
export const CHECKS: DoctorCheck[] = [checkSources, checkAdmin, checkAdminListener, checkDataDir, checkDatabase, checkRegistries, checkPlugins];

/** `hookd doctor`: every check's findings; exit 1 on a failure (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {});
  const findings: Finding[] = [];
  let config: HookdConfig | undefined;
  try {
    config = configFrom(values, io);
    findings.push({ check: 'config', level: 'ok', message: config.file ? `loaded ${config.file}` : 'no config file: embedded defaults' });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) findings.push({ check: 'config', level: 'fail', message: p });
  }
  if (config) {
    for (const check of CHECKS) {
      try {
        findings.push(...(await check(config, io)));
      } catch (err) {
        findings.push({ check: check.name.replace(/^check/, '').toLowerCase(), level: 'fail', message: (err as Error).message });
      }
    }
  }
  for (const f of findings) io.out(values.json ? JSON.stringify(f) : `${f.level.toUpperCase().padEnd(4)}  ${f.check.padEnd(10)} ${f.message}`);
  return findings.some((f) => f.level === 'fail') ? 1 : 0;
}

async function checkSources(config: HookdConfig, io: CliIO): Promise<Finding[]> {
  const out: Finding[] = [];
  try {
    const { sources, warnings } = resolveSources(config, { env: io.env, generate: false });
    for (const w of warnings) out.push({ check: 'sources', level: 'warn', message: w });
    for (const s of sources.values()) {
      if (s.verify.type === 'none') continue;
      if (s.credentials.secrets.length || s.credentials.publicKeys?.length) {
        out.push({
          check: 'sources',
          level: 'ok',
          message: `${s.name} (${s.kind}): ${s.verify.type} verification, ${s.credentials.secrets.length || s.credentials.publicKeys?.length} key(s)`,
        });
      } else {
        out.push({ check: 'sources', level: 'warn', message: `${s.name} (${s.kind}): no secret yet; \`hookd serve\` generates one at first start` });
      }
    }
    if (sources.size === 0) out.push({ check: 'sources', level: 'warn', message: 'no sources configured: every webhook will get 404' });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) out.push({ check: 'sources', level: 'fail', message: p });
  }
  return out;
}

async function checkAdmin(config: HookdConfig): Promise<Finding[]> {
  if (config.admin.token) return [{ check: 'admin', level: 'ok', message: `admin token configured; admin API on ${config.admin.host}:${config.admin.port}` }];
  const stored = readGeneratedSecret(config.dataDir, ADMIN_TOKEN_NAME);
  return [
    {
      check: 'admin',
      level: stored ? 'ok' : 'warn',
      message: stored ? 'admin token generated earlier, kept in the data dir' : 'no admin token yet; `hookd serve` generates and prints one',
    },
  ];
}

/** The admin listener: own port, loopback, inspector shipped; if a receiver answers, ready and taking our token. */
async function checkAdminListener(config: HookdConfig, io: CliIO): Promise<Finding[]> {
  return checkAdminSurface(config, io.env);
}

async function checkDataDir(config: HookdConfig): Promise<Finding[]> {
  const dir = path.dirname(config.storage.sqlite.path);
  let probe = dir;
  while (!fs.existsSync(probe)) probe = path.dirname(probe);
  try {
    fs.accessSync(probe, fs.constants.W_OK);
    return [{ check: 'data', level: 'ok', message: `${dir} is writable` }];
  } catch {
    return [{ check: 'data', level: 'fail', message: `${probe} is not writable; the database lives in ${dir}` }];
  }
}

/** The configured store, opened read-only (doctor changes nothing): reachable, migrated, consistent. */
async function checkDatabase(config: HookdConfig): Promise<Finding[]> {
  if (!config.storage.postgres && !fs.existsSync(config.storage.sqlite.path)) {
    return [{ check: 'database', level: 'warn', message: `${config.storage.sqlite.path} does not exist yet; \`hookd serve\` or \`hookd migrate\` creates it` }];
  }
  let store;
  try {
    store = await openStore(config.storage, { readOnly: true });
  } catch (err) {
    if (err instanceof UsageError) return [{ check: 'database', level: 'warn', message: err.message }];
    throw err;
  }
  try {
    const r = await store.report();
    if (r.problem) return [{ check: 'database', level: 'fail', message: `${r.location}: ${r.problem}` }];
    return [
      r.pending.length
        ? {
            check: 'database',
            level: 'warn',
            message: `${r.location}: ${r.pending.length} migration(s) pending (applied at next start or by \`hookd migrate\`)`,
          }
        : { check: 'database', level: 'ok', message: `${r.location}: ${r.events} event(s), migrations current` },
    ];
  } finally {
    await store.close();
  }
}

async function checkRegistries(config: HookdConfig, io: CliIO): Promise<Finding[]> {
  const schemas = await createSchemaService(config.iglu.resolver ? { resolverConfig: config.iglu.resolver } : {});
  const { sources } = resolveSources(config, { env: io.env, generate: false });
  const uris = new Set<string>();
  for (const s of sources.values()) if (s.schema.by === 'fixed') uris.add(s.schema.uri);
  const out: Finding[] = [];
  for (const uri of uris) {
    try {
      const { repository } = await schemas.resolve(uri, { signal: AbortSignal.timeout(5000) });
      out.push({ check: 'registries', level: 'ok', message: `${uri} from ${repository}` });
    } catch (err) {
      out.push({ check: 'registries', level: 'fail', message: `${uri}: ${(err as Error).message}` });
    }
  }
  if (config.iglu.resolver) out.unshift({ check: 'registries', level: 'ok', message: `resolver config ${config.iglu.resolver} loaded` });
  return out;
}

async function checkPlugins(config: HookdConfig, io: CliIO): Promise<Finding[]> {
  const checks = await checkPluginFiles(config.plugins, config.baseDir, io.env);
  if (checks.length === 0)
    return [{ check: 'plugins', level: 'ok', message: `no plugins (${config.plugins.dir} has no plugin files, no built-ins configured)` }];
  return checks.map((c) => ({ check: 'plugins', level: c.ok ? 'ok' : 'fail', message: `${c.name}${c.file ? ` (${c.file})` : ''}: ${c.message}` }));
}
