/**
 * A small least-recently-used cache with optional expiry, for schema lookups (hits and misses).
 * A Map keeps insertion order, so re-inserting on read makes the first key the least recent.
 */
export class LruCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();
  readonly #maxSize: number;
  readonly #ttlMs: number | undefined;
  readonly #now: () => number;

  /** maxSize 0 caches nothing; ttlMs undefined never expires. */
  constructor(opts: { maxSize: number; ttlMs?: number | undefined; now?: () => number }) {
    this.#maxSize = Math.max(0, Math.floor(opts.maxSize));
    this.#ttlMs = opts.ttlMs;
    this.#now = opts.now ?? Date.now;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): void {
    if (this.#maxSize === 0) return;
    this.#entries.delete(key);
    const expiresAt = this.#ttlMs === undefined ? Infinity : this.#now() + this.#ttlMs;
    this.#entries.set(key, { value, expiresAt });
    while (this.#entries.size > this.#maxSize) {
      const oldest = this.#entries.keys().next().value as K;
      this.#entries.delete(oldest);
    }
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
