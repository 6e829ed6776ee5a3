/** Opens the configured store adapter and brings its schema up to date. */
import type { StoreConfig } from '../config/index.js';
import { InputError } from '../errors/index.js';
import type { Store } from './port.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export async function openStore(cfg: StoreConfig, opts: { migrate?: boolean } = {}): Promise<Store> {
  if (cfg.kind === 'postgres') {
    throw new InputError('validation_failed', 'the PostgreSQL store is not available in this build', [
      { path: 'store.url', message: 'use sqlite:PATH' },
    ]);
  }
  const store = new SqliteStore({ path: cfg.path });
  if (opts.migrate ?? true) await store.migrate();
  return store;
}
