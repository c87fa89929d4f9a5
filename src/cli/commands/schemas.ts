import fs from 'node:fs';
import { UsageError, type CliIO } from '../command.js';
import { configFrom, option, parse, type ParsedArgs } from '../context.js';
import type { HookdConfig } from '../../config/load.js';
import { HookdError } from '../../errors.js';
import { createSchemaService, parseIgluUri, ResolverConfigError, type SchemaService, type SchemaVerdict } from '../../iglu/index.js';
import { KINDS, KIND_NAMES, type Kind, type SchemaRule } from '../../senders/kinds.js';
import { parseJsonBody } from '../../ingest/parse.js';
import { checkPayload, schemaRuleOf, splitShotgridBatch } from '../../ingest/schema-check.js';

/**
 * The SchemaService `serve` would build from this config: a fresh one, so a changed resolver
 * config or registry is seen. Resolver warnings (a registry failing) go to stderr.
 */
export async function schemaServiceFor(config: HookdConfig, io: CliIO): Promise<SchemaService> {
  return createSchemaService({
    ...(config.iglu.resolver ? { resolverConfig: config.iglu.resolver } : {}),
    logger: {
      warn(obj, msg) {
        const detail = Object.entries(obj)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        io.err(`hookd: warning: ${msg} (${detail})`);
      },
    },
  });
}

/** `hookd schemas resolve|check`: the receiver's schema lookup and validation, on one URI or file (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'resolve' && sub !== 'check') throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'name a subcommand: resolve or check');
  const args = parse(rest, sub === 'check' ? { source: { type: 'string' }, schema: { type: 'string' } } : {});
  const config = configFrom(args.values, io);
  let service: SchemaService;
  try {
    service = await schemaServiceFor(config, io);
  } catch (err) {
    if (!(err instanceof ResolverConfigError)) throw err;
    io.err(`hookd schemas: ${err.message}`);
    return 1;
  }
  return sub === 'resolve' ? resolve(service, args, io) : check(service, config, args, io);
}

async function resolve(service: SchemaService, { values, positionals }: ParsedArgs, io: CliIO): Promise<number> {
  const [uri, extra] = positionals;
  if (!uri) throw new UsageError('name a schema URI, e.g. iglu:com.snowplowanalytics.factotum/job_update/jsonschema/1-0-0');
  if (extra !== undefined) throw new UsageError(`one URI at a time (also got '${extra}')`);
  let order: ReturnType<SchemaService['repositories']>;
  try {
    order = service.repositories(uri);
  } catch (err) {
    return failed(err, uri, undefined, values.json, io);
  }
  let found: { repository: string; schema: object };
  try {
    found = await service.resolve(uri);
  } catch (err) {
    return failed(err, uri, order, values.json, io);
  }
  if (values.json) {
    io.out(JSON.stringify({ uri, repository: found.repository, order, schema: found.schema }));
    return 0;
  }
  io.out(`${uri}\nfound in: ${found.repository}\nlookup order:`);
  order.forEach((r, i) => io.out(`  ${i + 1}. ${r.name} (${r.kind}: ${r.location})${r.name === found.repository ? '  <- answered' : ''}`));
  io.out(JSON.stringify(found.schema, null, 2));
  return 0;
}

/** Exit 1 with the reason: a malformed URI (400), not found (404) or a registry outage (503, names the registry). */
function failed(err: unknown, uri: string, order: ReturnType<SchemaService['repositories']> | undefined, json: boolean | undefined, io: CliIO): number {
  if (!(err instanceof HookdError)) throw err;
  const what = err.status === 503 ? `registry unavailable: ${err.message}` : err.message;
  if (json) io.out(JSON.stringify({ uri, error: { code: err.code, message: err.message }, ...(order ? { order } : {}) }));
  io.err(`hookd schemas resolve: ${what}`);
  if (order && !json) io.err(`lookup order: ${order.map((r) => `${r.name} (${r.kind}: ${r.location})`).join(', ')}`);
  return 1;
}

async function check(service: SchemaService, config: HookdConfig, { values, positionals }: ParsedArgs, io: CliIO): Promise<number> {
  const [file, extra] = positionals;
  if (!file) throw new UsageError('name a payload file (or - for standard input)');
  if (extra !== undefined) throw new UsageError(`one file at a time (also got '${extra}')`);
  const sourceName = option(values, 'source');
  const schemaUri = option(values, 'schema');
  if (sourceName !== undefined && schemaUri !== undefined) throw new UsageError('give --source or --schema, not both');
  if (schemaUri !== undefined) {
    const parsedUri = parseIgluUri(schemaUri);
    if (!parsedUri.ok) {
      io.err(`hookd schemas check: --schema: ${parsedUri.error}`);
      return 1;
    }
  }
  const { rule, batch } = ruleFor(config, sourceName, schemaUri);

  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file === '-' ? 0 : file);
  } catch (err) {
    io.err(`hookd schemas check: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return 1;
  }
  let parsed: unknown;
  let items: { label: string; item?: number; payload: unknown }[];
  try {
    // The same reading ingest does: strict UTF-8, bounded depth, JSON; then a ShotGrid batch splits.
    parsed = parseJsonBody(bytes);
    const split = batch ? splitShotgridBatch(parsed) : undefined;
    items = split ? split.map((d, i) => ({ label: `${file} deliveries[${i}]`, item: i, payload: d.payload })) : [{ label: file, payload: parsed }];
  } catch (err) {
    if (!(err instanceof HookdError)) throw err;
    io.err(`hookd schemas check: ${file}: ${err.message}`);
    return 1;
  }

  let allValid = true;
  for (const it of items) {
    let verdict: SchemaVerdict;
    try {
      verdict = await checkPayload(service, rule, it.payload);
    } catch (err) {
      if (!(err instanceof HookdError)) throw err;
      io.err(`hookd schemas check: ${it.label}: registry unavailable: ${err.message}`);
      return 1;
    }
    const valid = verdict.outcome === 'valid';
    allValid &&= valid;
    if (values.json) {
      io.out(
        JSON.stringify({
          file,
          ...(it.item !== undefined ? { item: it.item } : {}),
          valid,
          outcome: verdict.outcome,
          schema: verdict.schema,
          errors: verdict.errors,
        }),
      );
      continue;
    }
    const against = verdict.schema ? ` against ${verdict.schema}` : rule.by === 'none' ? ' (this source checks no schema)' : '';
    io.out(`${OUTCOME_WORDS[verdict.outcome]}: ${it.label}${against}`);
    for (const e of verdict.errors) io.out(`  ${e.path || '(root)'}: ${e.message}`);
  }
  return allValid ? 0 : 1;
}

const OUTCOME_WORDS: Record<SchemaVerdict['outcome'], string> = {
  valid: 'valid',
  invalid: 'invalid',
  malformed: 'malformed',
  not_found: 'schema not found',
};

/** --source: a configured source's rule, else a kind's preset; --schema: that URI; neither: self-describing. */
function ruleFor(config: HookdConfig, sourceName: string | undefined, schemaUri: string | undefined): { rule: SchemaRule; batch: boolean } {
  if (schemaUri !== undefined) return { rule: { by: 'fixed', uri: schemaUri }, batch: false };
  if (sourceName === undefined) return { rule: { by: 'self-describing' }, batch: false };
  const configured = config.sources[sourceName];
  if (configured) return { rule: schemaRuleOf(configured), batch: KINDS[configured.kind].batch === 'shotgrid' };
  if ((KIND_NAMES as readonly string[]).includes(sourceName)) {
    const kind = sourceName as Kind;
    return { rule: schemaRuleOf({ kind }), batch: KINDS[kind].batch === 'shotgrid' };
  }
  throw new UsageError(
    `--source '${sourceName}' is neither a configured source (${Object.keys(config.sources).join(', ') || 'none'}) nor a kind (${KIND_NAMES.join(', ')})`,
  );
}
