import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv-draft-04';

// Both packages are CommonJS with `exports.default`; under NodeNext the default import is the module.
const Ajv04 = Ajv04Module.default;
const addFormats = addFormatsModule.default;

export interface ValidationIssue {
  /** JSON pointer into the validated data, "" for the root. */
  path: string;
  message: string;
}

export const MAX_ISSUES = 20;
export const MAX_MESSAGE_CHARS = 200;

interface ValidatorLogger {
  warn(obj: object, msg: string): void;
}

type Compiled = { ok: true; validate: ValidateFunction } | { ok: false; error: string };

/**
 * Validates data against Iglu schemas with JSON Schema draft-04 semantics (ajv-draft-04 +
 * ajv-formats). Each schema object is compiled once; the resolver cache keeps the same object for a
 * URI until it expires, so a re-fetched (possibly changed) schema is compiled afresh.
 */
export class SchemaValidators {
  readonly #ajv: InstanceType<typeof Ajv04>;
  readonly #compiled = new WeakMap<object, Compiled>();
  readonly #logger: ValidatorLogger | undefined;

  constructor(logger?: ValidatorLogger) {
    this.#logger = logger;
    this.#ajv = new Ajv04({
      allErrors: true,
      // Iglu schemas carry `self` and other annotations ajv does not know.
      strict: false,
      // Schemas are compiled per URI and may share an `id`: never register them globally.
      addUsedSchema: false,
      logger: {
        log() {},
        warn: (...args: unknown[]) => logger?.warn({ component: 'ajv' }, args.map(String).join(' ')),
        error: (...args: unknown[]) => logger?.warn({ component: 'ajv' }, args.map(String).join(' ')),
      },
    });
    addFormats(this.#ajv);
  }

  /** The problems with `data` under `schema` (named `uri` in messages); empty when valid. */
  validate(uri: string, schema: object, data: unknown): ValidationIssue[] {
    const compiled = this.#compile(uri, schema);
    if (!compiled.ok) return [{ path: '', message: clip(compiled.error) }];
    if (compiled.validate(data)) return [];
    return toIssues(compiled.validate.errors ?? []);
  }

  #compile(uri: string, schema: object): Compiled {
    let compiled = this.#compiled.get(schema);
    if (!compiled) {
      try {
        compiled = { ok: true, validate: this.#ajv.compile(forAjv(schema)) };
      } catch (err) {
        const error = `schema ${uri} is not a usable draft-04 JSON Schema: ${(err as Error).message}`;
        this.#logger?.warn({ schema: uri, error: (err as Error).message }, 'schema does not compile');
        compiled = { ok: false, error };
      }
      this.#compiled.set(schema, compiled);
    }
    return compiled;
  }
}

/**
 * Drops the Iglu `self` block and `$schema`: Iglu schemas name Iglu's self-describing meta-schema
 * there, which ajv does not know, and Iglu schemas are draft-04 whatever they say.
 */
function forAjv(schema: object): object {
  const { self: _self, $schema: _metaSchema, ...rest } = schema as Record<string, unknown>;
  return rest;
}

function toIssues(errors: ErrorObject[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const issue = { path: e.instancePath, message: clip(describe(e)) };
    const id = `${issue.path}\n${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  if (issues.length <= MAX_ISSUES) return issues;
  const more = issues.length - (MAX_ISSUES - 1);
  return [...issues.slice(0, MAX_ISSUES - 1), { path: '', message: `and ${more} more errors` }];
}

function describe(e: ErrorObject): string {
  const message = e.message ?? `fails '${e.keyword}'`;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
    const values = params['allowedValues'].map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    return `${message}: ${values.join(', ')}`;
  }
  if (e.keyword === 'additionalProperties' && typeof params['additionalProperty'] === 'string') {
    return `${message}: '${params['additionalProperty']}'`;
  }
  return message;
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text;
}
