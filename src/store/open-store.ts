/** Opens the configured store adapter and brings its schema up to date. */
import type { StoreConfig } from '../config/index.js';
import type { Store } from './port.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export async function openStore(
  cfg: StoreConfig,
  opts: { migrate?: boolean } = {},
): Promise<Store> {
  const store: Store =
    cfg.kind === 'postgres'
      ? new PostgresStore({ url: cfg.url, pool: cfg.pool })
      : new SqliteStore({ path: cfg.path });
  if (opts.migrate ?? true) {
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}
