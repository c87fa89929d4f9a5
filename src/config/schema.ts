/**
 * hookd's own config schema (JSON Schema draft-07, checked with ajv at start).
 * The names are the contract the README's Configuration table documents; every leaf has an env override HOOKD_<SECTION>_<KEY>.
 */
import { NAME_PATTERN } from '../names.js';
import { KIND_NAMES } from '../senders/kinds.js';

const secretRef = {
  oneOf: [
    { type: 'string', minLength: 1 },
    { type: 'object', properties: { env: { type: 'string', minLength: 1 } }, required: ['env'], additionalProperties: false },
    { type: 'object', properties: { file: { type: 'string', minLength: 1 } }, required: ['file'], additionalProperties: false },
  ],
} as const;
const secretSpec = { oneOf: [secretRef, { type: 'array', items: secretRef, minItems: 1 }] } as const;
const size = {
  oneOf: [
    { type: 'integer', minimum: 1 },
    { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(b|kb|mb|gb|tb|pb)?\\s*$' },
  ],
} as const;

const source = {
  type: 'object',
  properties: {
    kind: { enum: KIND_NAMES },
    secret: secretSpec,
    token: secretSpec,
    publicKey: secretSpec,
    verify: { enum: ['none', 'signature', 'token'] },
    header: { type: 'string', minLength: 1 },
    algorithm: { enum: ['sha1', 'sha256', 'sha512'] },
    encoding: { enum: ['hex', 'base64'] },
    prefix: { type: 'string' },
    tokenHeader: { type: 'string', minLength: 1 },
    toleranceSeconds: { type: 'integer', minimum: 1 },
    bodyLimit: size,
    schema: { type: 'string', pattern: '^iglu:' },
    dedupe: { type: 'string', pattern: '^(body|header:.+|field:.+)$' },
  },
  required: ['kind'],
  additionalProperties: false,
} as const;

/** A plugin's `match` (src/dispatch/plugin.ts): sources, Iglu schema patterns, payload conditions. */
const nameOrNames = {
  oneOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
  ],
} as const;
const whereCondition = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1 },
    equals: {},
    in: { type: 'array' },
    exists: { type: 'boolean' },
    atLeast: { enum: ['trace', 'silly', 'debug', 'info', 'warn', 'warning', 'error', 'critical'] },
  },
  required: ['path'],
  minProperties: 2,
  maxProperties: 2,
  additionalProperties: false,
} as const;
const pluginMatch = {
  type: 'object',
  properties: { source: nameOrNames, schema: nameOrNames, where: { oneOf: [whereCondition, { type: 'array', items: whereCondition }] } },
  additionalProperties: false,
} as const;
/** A built-in plugin: a name, a match, and exactly one of exec or forward. */
const builtinPlugin = {
  type: 'object',
  properties: {
    name: { type: 'string', pattern: NAME_PATTERN },
    match: pluginMatch,
    continueOnError: { type: 'boolean' },
    from: { enum: ['newest', 'beginning'] },
    exec: {
      type: 'object',
      properties: {
        command: { type: 'string', minLength: 1 },
        args: { type: 'array', items: { type: 'string' } },
        cwd: { type: 'string', minLength: 1 },
        env: { type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, additionalProperties: { type: 'string', minLength: 1 } },
        passEnv: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
      },
      required: ['command'],
      additionalProperties: false,
    },
    forward: {
      type: 'object',
      properties: {
        url: { type: 'string', pattern: '^https?://' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
      },
      required: ['url'],
      additionalProperties: false,
    },
  },
  required: ['name'],
  oneOf: [{ required: ['exec'] }, { required: ['forward'] }],
  additionalProperties: false,
} as const;

export const configSchema = {
  type: 'object',
  properties: {
    server: {
      type: 'object',
      properties: {
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        host: { type: 'string' },
        bodyLimit: size,
        ackDeadlineMs: { type: 'integer', minimum: 100, maximum: 5900 },
        trustProxy: { oneOf: [{ type: 'boolean' }, { type: 'integer', minimum: 0 }, { type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        rateLimit: {
          oneOf: [
            { const: false },
            {
              type: 'object',
              properties: { windowMs: { type: 'integer', minimum: 1 }, limit: { type: 'integer', minimum: 1 } },
              additionalProperties: false,
            },
          ],
        },
        headersTimeoutMs: { type: 'integer', minimum: 1000 },
        requestTimeoutMs: { type: 'integer', minimum: 1000 },
        keepAliveTimeoutMs: { type: 'integer', minimum: 0 },
      },
      additionalProperties: false,
    },
    admin: {
      type: 'object',
      properties: {
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        host: { type: 'string' },
        token: secretSpec,
        metricsPublic: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    storage: {
      type: 'object',
      properties: {
        sqlite: {
          type: 'object',
          properties: {
            path: { type: 'string', minLength: 1 },
            synchronous: { enum: ['full', 'normal', 'off', 'extra'] },
          },
          additionalProperties: false,
        },
        // Present (or HOOKD_DATABASE_URL): the PostgreSQL store, for several replicas on one database.
        postgres: {
          type: 'object',
          properties: {
            url: { type: 'string', pattern: '^postgres(ql)?://' },
            poolSize: { type: 'integer', minimum: 1, maximum: 1000 },
            leaseMs: { type: 'integer', minimum: 500 },
            schema: { type: ['string', 'null'], pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' },
          },
          required: ['url'],
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    retention: {
      type: 'object',
      properties: { days: { type: 'number', exclusiveMinimum: 0 }, intervalMinutes: { type: 'number', exclusiveMinimum: 0 } },
      additionalProperties: false,
    },
    iglu: {
      type: 'object',
      properties: { resolver: { type: 'string', minLength: 1 } },
      additionalProperties: false,
    },
    plugins: {
      type: 'object',
      properties: {
        dir: { type: 'string', minLength: 1 },
        attempts: { type: 'integer', minimum: 1 },
        timeoutMs: { type: 'integer', minimum: 1 },
        backoffMs: { type: 'integer', minimum: 1 },
        pollMs: { type: 'integer', minimum: 10 },
        builtins: { type: 'array', items: builtinPlugin },
      },
      additionalProperties: false,
    },
    log: {
      type: 'object',
      properties: { level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }, pretty: { type: 'boolean' } },
      additionalProperties: false,
    },
    sources: {
      type: 'object',
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: source,
    },
  },
  additionalProperties: false,
} as const;
