/**
 * hookd's config types, derived from the JSON Schema in schema.ts (json-schema-to-ts, type-only)
 * so the types and what ajv accepts cannot drift apart. Nothing here is written a second time:
 * a setting's type is the schema's; whether it is always present after loading comes from
 * DEFAULTS (defaults.ts, merged in code, not `default` keywords) and from what load.ts resolves.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { configSchema } from './schema.js';
import type { DEFAULTS } from './defaults.js';
import type { BuiltinPluginConfig } from '../dispatch/plugin.js';

/** hookd.yaml as the schema accepts it (every field optional, sizes still `1mb` or a number). */
export type ConfigInput = FromSchema<typeof configSchema>;

/** Flattens intersections so hovers show one object type. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * T with every key that D (the defaults) has made required, recursively: the shape after
 * deepMerge(DEFAULTS, file). Arrays and non-object members of a union are left as they are;
 * an object member of a union (server.rateLimit) gets the defaults of D too, as deepMerge does.
 */
type Defaulted<T, D> = T extends readonly unknown[]
  ? T
  : T extends object
    ? D extends object
      ? Simplify<
          { [K in keyof T as K extends keyof D ? K : never]-?: Defaulted<Exclude<T[K], undefined>, D[K & keyof D]> } & {
            [K in keyof T as K extends keyof D ? never : K]: T[K];
          }
        >
      : T
    : T;

type Merged = Defaulted<ConfigInput, typeof DEFAULTS>;
type Sections = Required<ConfigInput>;
type PostgresInput = NonNullable<NonNullable<Sections['storage']['postgres']>>;
type SqliteInput = NonNullable<Sections['storage']['sqlite']>;

type SourceInput = NonNullable<Sections['sources'][string]>;
/** A secret: literal, `{ env: NAME }` or `{ file: PATH }`. */
export type SecretRef = Exclude<NonNullable<SourceInput['secret']>, readonly unknown[]>;
/** One secret or a list of them (any one verifies: rotation). */
export type SecretSpec = NonNullable<SourceInput['secret']>;
/** One entry of `sources:`. The secret fields are restated only so hovers say SecretSpec. */
export interface SourceConfig extends SourceInput {
  secret?: SecretSpec;
  token?: SecretSpec;
  publicKey?: SecretSpec;
}

/** `storage.sqlite` after load: the path resolved (default `<dataDir>/hookd.db`). */
export type SqliteStorageConfig = Simplify<Required<SqliteInput>>;
/**
 * `storage.postgres` after load, with POSTGRES_DEFAULTS (load.ts) applied. Fields are restated
 * (their types still the schema's) only to carry their documentation.
 */
export interface PostgresStorageConfig extends Required<PostgresInput> {
  /** `postgres://user@host:5432/db` (HOOKD_DATABASE_URL). */
  url: PostgresInput['url'];
  /** Connections in the pool (node-postgres `max`), besides the one that LISTENs. */
  poolSize: Required<PostgresInput>['poolSize'];
  /** A plugin lease not renewed for this long passes to another replica (ms). */
  leaseMs: Required<PostgresInput>['leaseMs'];
  /** The PostgreSQL schema hookd's tables live in (created if missing); null: the server's search_path. */
  schema: Required<PostgresInput>['schema'];
}
export interface StorageConfig {
  sqlite: SqliteStorageConfig;
  postgres?: PostgresStorageConfig;
}

type Plugins = Merged['plugins'];

/** `plugins` after load: dir resolved against the config file. */
export interface PluginsConfig extends Omit<Plugins, 'builtins'> {
  /** First retry delay; it doubles per attempt (up to a minute). */
  backoffMs: Plugins['backoffMs'];
  /** How often the dispatcher looks for what other processes did (and rescans plugins.dir). */
  pollMs: Plugins['pollMs'];
  /** Typed by dispatch/plugin.ts, narrower than the schema can say (one `where` key per condition). */
  builtins: BuiltinPluginConfig[];
}

/** The config after defaults, env overrides and load.ts's resolution of sizes and paths. */
export interface HookdConfig extends Omit<Merged, 'server' | 'admin' | 'storage' | 'plugins' | 'sources'> {
  /** The file the config came from, or null for embedded defaults. */
  file: string | null;
  /** Relative paths in the file are relative to this directory. */
  baseDir: string;
  dataDir: string;
  /** bodyLimit parsed to bytes. */
  server: Simplify<Omit<Merged['server'], 'bodyLimit'> & { bodyLimit: number }>;
  admin: Simplify<Omit<Merged['admin'], 'token'> & { token?: SecretSpec }>;
  storage: StorageConfig;
  plugins: PluginsConfig;
  /** DEFAULT_SOURCES when the file has none. */
  sources: Record<string, SourceConfig>;
}
