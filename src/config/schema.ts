/**
 * hookd's own config schema (JSON Schema draft-07, checked with ajv at start).
 * The names are the contract of SPEC §1; every leaf has an env override HOOKD_<SECTION>_<KEY>.
 */
const secretRef = {
  oneOf: [
    { type: 'string', minLength: 1 },
    { type: 'object', properties: { env: { type: 'string', minLength: 1 } }, required: ['env'], additionalProperties: false },
    { type: 'object', properties: { file: { type: 'string', minLength: 1 } }, required: ['file'], additionalProperties: false },
  ],
};
const secretSpec = { oneOf: [secretRef, { type: 'array', items: secretRef, minItems: 1 }] };
const size = { oneOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(b|kb|mb|gb|tb|pb)?\\s*$' }] };

const source = {
  type: 'object',
  properties: {
    kind: { enum: ['jobserv', 'iglu', 'shotgrid', 'hkube', 'aurora', 'github', 'standard', 'hmac'] },
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
};

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
        builtins: { type: 'array', items: { type: 'object' } },
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
      propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
      additionalProperties: source,
    },
  },
  additionalProperties: false,
} as const;
