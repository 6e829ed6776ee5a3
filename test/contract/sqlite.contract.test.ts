/** The Store contract suite against SqliteStore on a fresh temp file per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-contract-'));
  const store = new SqliteStore({ path: join(dir, 'countersign.db') });
  await store.migrate();
  return {
    store,
    readAuditNodes: async () =>
      (
        store.database
          .prepare('SELECT level, idx, hash FROM audit_nodes ORDER BY level, idx')
          .all() as {
          level: number;
          idx: number;
          hash: Buffer;
        }[]
      ).map((r) => ({ level: r.level, index: r.idx, hash: r.hash })),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
