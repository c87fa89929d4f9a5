import { UsageError, type CliIO } from '../command.js';
import { configFrom, option, parse } from '../context.js';
import { ResolverConfigError } from '../../iglu/index.js';
import { revalidateQuarantined, type RevalidatedEvent } from '../../ingest/revalidate.js';
import { schemaRuleOf } from '../../ingest/schema-check.js';
import { openStore } from '../../store/open.js';
import { schemaServiceFor } from './schemas.js';

/** `hookd events revalidate`: re-checks quarantined events, releases those that pass (help: ../verbs.ts). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { source: { type: 'string' }, schema: { type: 'string' } });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const config = configFrom(values, io);
  let schemas;
  try {
    schemas = await schemaServiceFor(config, io);
  } catch (err) {
    if (!(err instanceof ResolverConfigError)) throw err;
    io.err(`hookd events revalidate: ${err.message}`);
    return 1;
  }
  const store = await openStore(config.storage);
  try {
    const ruleFor = (source: string) => {
      const configured = config.sources[source];
      return configured ? schemaRuleOf(configured) : undefined;
    };
    const summary = await revalidateQuarantined(
      { store, schemas, ruleFor },
      { source: option(values, 'source'), schema: option(values, 'schema') },
      { onEvent: (e) => io.out(values.json ? JSON.stringify(e) : eventLine(e)) },
    );
    if (values.json) io.out(JSON.stringify({ summary }));
    else {
      const queued = summary.released ? ` (${summary.queued} plugin deliver${summary.queued === 1 ? 'y' : 'ies'} queued)` : '';
      const unchecked = summary.unchecked ? `, unchecked ${summary.unchecked}` : '';
      io.out(`checked ${summary.checked}, released ${summary.released}${queued}, still quarantined ${summary.stillQuarantined}${unchecked}`);
    }
    return summary.registryFailed ? 1 : 0;
  } finally {
    await store.close();
  }
}

function eventLine(e: RevalidatedEvent): string {
  const head = `${e.result.padEnd(11)}  ${e.id}  ${e.source}`;
  if (e.result === 'released') return `${head}  ${e.schema ?? '(no schema)'}`;
  if (e.result === 'unchecked') return `${head}  ${e.reason?.message ?? ''}`;
  const first = e.errors[0];
  const more = e.errors.length > 1 ? ` (+${e.errors.length - 1} more)` : '';
  return `${head}  ${e.schema ?? '(no schema)'}  ${first ? `${first.path || '(root)'}: ${first.message}` : ''}${more}`;
}
