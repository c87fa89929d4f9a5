import type { OpenStoreOptions, Store, StorageConfig } from './types.js';

/**
 * The one way to open the configured store: PostgreSQL when `storage.postgres` is set (or
 * HOOKD_DATABASE_URL), otherwise the embedded SQLite file. The PostgreSQL driver is loaded only
 * then, so `npm start` on the defaults never touches it.
 */
export async function openStore(storage: StorageConfig, opts: OpenStoreOptions = {}): Promise<Store> {
  if (storage.postgres) {
    const { PostgresStore } = await import('./postgres/index.js');
    return PostgresStore.open(storage.postgres, opts);
  }
  const { SqliteStore } = await import('./sqlite/index.js');
  return SqliteStore.open({ ...storage.sqlite, ...opts });
}
