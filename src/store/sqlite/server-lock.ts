/**
 * One server per SQLite file. The outbox lease, expiry sweep and checkpointing assume a single
 * writer process; a second server on the same file would compete with the first. The lock is an
 * exclusive transaction held on a small SQLite file next to the database: the operating system
 * drops it when the process ends, however it ends, so a crash never leaves a stale lock behind.
 * CLI commands that open the store directly (`--db`, `--config`) do not take it.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StartupError } from '../../errors/startup-error.js';

export interface ServerLock {
  readonly path: string;
  release(): void;
}

/** Takes the server lock of the SQLite database at `dbPath`, or throws StartupError(store_locked). */
export function acquireServerLock(dbPath: string): ServerLock {
  const path = `${dbPath}.server-lock`;
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)');
    db.pragma('locking_mode = EXCLUSIVE');
    // the write takes the exclusive lock; the open transaction keeps it until release
    db.exec('BEGIN EXCLUSIVE');
    db.prepare('DELETE FROM holder').run();
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new StartupError(
        'store_locked',
        `another Countersign server is already using ${dbPath} (lock ${path}); stop it first, or give this one its own database`,
      );
    }
    throw err;
  }
  return {
    path,
    release: () => {
      if (!db.open) return;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
