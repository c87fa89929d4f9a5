import { unavailable, type HookdError } from '../errors.js';
import { LruCache } from './lru.js';
import { RegistryFailure, type Repository } from './registries.js';
import { formatIgluUri, type SchemaKey } from './uri.js';

export type Resolution = { found: true; repository: string; schema: object } | { found: false; tried: string[] };

export interface ResolverLogger {
  warn(obj: object, msg: string): void;
}

export interface ResolverOptions {
  /** The user's repositories, in config order. */
  repositories: Repository[];
  /** Always consulted last, after every user repository (hookd's embedded registry). */
  fallback?: Repository;
  cacheSize: number;
  /** Seconds; undefined = entries never expire. */
  cacheTtl?: number | undefined;
  logger?: ResolverLogger | undefined;
  now?: () => number;
}

const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;

/**
 * Finds a schema across repositories in Iglu order and remembers the answer.
 * - Order: vendor-prefix match first, then embedded before http, then lower priority, then config
 *   order; the fallback repository comes after all of them.
 * - Hits are always cached; a miss is cached only when every repository answered "not here", so a
 *   registry that was down never makes a schema look missing for cacheTtl.
 * - A failing repository is skipped for a growing interval (1 s doubling to 60 s).
 * - Concurrent lookups of one URI share a single walk over the repositories; each caller waits
 *   only until its own AbortSignal fires (the walk carries on and fills the cache).
 */
export class Resolver {
  readonly #repositories: Repository[];
  readonly #fallback: Repository | undefined;
  readonly #cache: LruCache<string, Resolution>;
  readonly #inflight = new Map<string, Promise<Resolution>>();
  readonly #backoff = new Map<Repository, { failures: number; until: number; reason: string }>();
  readonly #logger: ResolverLogger | undefined;
  readonly #now: () => number;

  constructor(opts: ResolverOptions) {
    this.#repositories = opts.repositories;
    this.#fallback = opts.fallback;
    this.#now = opts.now ?? Date.now;
    this.#logger = opts.logger;
    this.#cache = new LruCache({
      maxSize: opts.cacheSize,
      ttlMs: opts.cacheTtl === undefined ? undefined : opts.cacheTtl * 1000,
      now: this.#now,
    });
  }

  /** Repositories in the order they are asked for this schema. */
  order(key: SchemaKey): Repository[] {
    const matches = (r: Repository) => (r.vendorPrefixes.some((p) => key.vendor.startsWith(p)) ? 0 : 1);
    const kind = (r: Repository) => (r.kind === 'embedded' ? 0 : 1);
    const ordered = this.#repositories
      .map((repo, index) => ({ repo, index }))
      .sort((a, b) => matches(a.repo) - matches(b.repo) || kind(a.repo) - kind(b.repo) || a.repo.priority - b.repo.priority || a.index - b.index)
      .map((x) => x.repo);
    return this.#fallback ? [...ordered, this.#fallback] : ordered;
  }

  /**
   * The schema and the repository that has it, or `found: false` with the repositories asked.
   * Throws a 503 HookdError (registry_unavailable) when a repository that might hold the schema
   * could not answer, or when `signal` fires first.
   */
  async lookup(key: SchemaKey, signal?: AbortSignal): Promise<Resolution> {
    const uri = formatIgluUri(key);
    const cached = this.#cache.get(uri);
    if (cached) return cached;
    if (signal?.aborted) throw deadlinePassed(uri);
    let walk = this.#inflight.get(uri);
    if (!walk) {
      walk = this.#walk(key, uri).finally(() => this.#inflight.delete(uri));
      this.#inflight.set(uri, walk);
    }
    return signal ? untilAborted(walk, signal, () => deadlinePassed(uri)) : walk;
  }

  /** Forget cached lookups (e.g. `events revalidate` after a schema was fixed). */
  clearCache(): void {
    this.#cache.clear();
  }

  async #walk(key: SchemaKey, uri: string): Promise<Resolution> {
    const tried: string[] = [];
    const failures: string[] = [];
    for (const repo of this.order(key)) {
      const backoff = this.#backoff.get(repo);
      if (backoff && backoff.until > this.#now()) {
        const left = Math.ceil((backoff.until - this.#now()) / 1000);
        failures.push(`${repo.name}: skipped for ${left}s after ${backoff.reason}`);
        continue;
      }
      let schema: object | null;
      try {
        schema = await repo.fetchSchema(key);
      } catch (err) {
        failures.push(`${repo.name}: ${this.#failed(repo, uri, err)}`);
        continue;
      }
      this.#backoff.delete(repo);
      tried.push(repo.name);
      if (schema) {
        const hit: Resolution = { found: true, repository: repo.name, schema };
        this.#cache.set(uri, hit);
        return hit;
      }
    }
    if (failures.length > 0) {
      const notHere = tried.length > 0 ? `; not in ${tried.join(', ')}` : '';
      throw unavailable('registry_unavailable', `schema ${uri} could not be resolved: ${failures.join('; ')}${notHere}`, this.#retryAfterSeconds());
    }
    const miss: Resolution = { found: false, tried };
    this.#cache.set(uri, miss);
    return miss;
  }

  #failed(repo: Repository, uri: string, err: unknown): string {
    const reason = err instanceof RegistryFailure ? err.message : String((err as Error)?.message ?? err);
    const failures = (this.#backoff.get(repo)?.failures ?? 0) + 1;
    const delay = Math.min(BACKOFF_FIRST_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
    this.#backoff.set(repo, { failures, until: this.#now() + delay, reason });
    this.#logger?.warn(
      { repository: repo.name, location: repo.location, schema: uri, error: reason, backoffMs: delay },
      'schema registry failed; skipping it for a while',
    );
    return reason;
  }

  /** Until the soonest back-off ends, so a retrying sender finds the registry asked again. */
  #retryAfterSeconds(): number {
    let soonest = Infinity;
    for (const b of this.#backoff.values()) soonest = Math.min(soonest, b.until - this.#now());
    return Number.isFinite(soonest) ? Math.min(60, Math.max(1, Math.ceil(soonest / 1000))) : 5;
  }
}

function deadlinePassed(uri: string): HookdError {
  return unavailable('registry_unavailable', `schema registries did not answer for ${uri} before the deadline`, 2);
}

/** Settles with `work`, or rejects with onAbort() as soon as `signal` fires, whichever is first. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
