/**
 * A consistent copy of a live SQLite store with SQLite's online backup API (better-sqlite3
 * `backup()`): pages are copied in steps while the server keeps writing, and the copy is of one
 * moment. The copy is written next to its destination and renamed into place when complete, so
 * an interrupted backup never leaves a half-written file under the requested name.
 */
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { InputError } from '../../errors/index.js';

export interface BackupResult {
  file: string;
  /** Pages copied. */
  pages: number;
  /** `PRAGMA integrity_check` of the copy. */
  integrity: string;
}

export async function backupSqlite(
  dbPath: string,
  out: string,
  opts: { force?: boolean } = {},
): Promise<BackupResult> {
  if (!existsSync(dbPath)) {
    throw new InputError('validation_failed', `no SQLite store at ${dbPath}`, [
      { path: '--db', message: 'no such file' },
    ]);
  }
  if (existsSync(out) && !opts.force) {
    throw new InputError('validation_failed', `${out} exists`, [
      { path: '--out', message: 'exists (use --force to replace it)' },
    ]);
  }
  const partial = `${out}.partial-${process.pid}`;
  const source = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const progress = await source.backup(partial);
    const copy = new Database(partial, { readonly: true });
    let integrity: string;
    try {
      integrity = String(copy.pragma('integrity_check', { simple: true }));
    } finally {
      copy.close();
    }
    if (integrity !== 'ok') throw new Error(`the copy failed its integrity check: ${integrity}`);
    renameSync(partial, out);
    return { file: out, pages: progress.totalPages, integrity };
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    source.close();
  }
}
