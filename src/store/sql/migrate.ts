/** Which migrations are applied, for both adapters; each adapter runs a migration's own script. */
import { MIGRATIONS, type Migration } from '../migrations/index.js';
import type { SqlRunner } from './dialect.js';

/**
 * Applies every migration not yet recorded, in order: `apply` runs the migration's script for its
 * adapter and then `record`, both in one transaction of its own or of the caller's.
 */
export async function runMigrations(
  db: SqlRunner,
  apply: (m: Migration, record: () => Promise<void>) => Promise<void>,
): Promise<void> {
  await db.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const rows = await db.all<{ id: number }>('SELECT id FROM schema_migrations');
  const applied = new Set(rows.map((r) => r.id));
  for (const m of MIGRATIONS) {
    if (applied.has(m.id)) continue;
    await apply(m, async () => {
      await db.run('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)', [
        m.id,
        m.name,
        new Date().toISOString(),
      ]);
    });
  }
}
