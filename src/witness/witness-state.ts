/**
 * The witness's durable record: per log origin, the size and root of the latest checkpoint it
 * cosigned (SQLite). Updates are compare-and-set on the previous record, so two submissions can
 * never roll the record back, even from two processes.
 */
import Database from 'better-sqlite3';

export interface WitnessRecord {
  origin: string;
  size: number;
  root: Uint8Array;
}

export class WitnessState {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS witness_logs (
      origin TEXT PRIMARY KEY,
      size INTEGER NOT NULL,
      root BLOB NOT NULL,
      note TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`);
  }

  get(origin: string): WitnessRecord | undefined {
    const row = this.db
      .prepare('SELECT origin, size, root FROM witness_logs WHERE origin = ?')
      .get(origin) as { origin: string; size: number; root: Buffer } | undefined;
    return row ? { origin: row.origin, size: row.size, root: new Uint8Array(row.root) } : undefined;
  }

  /** Moves `origin` from `previous` (undefined = no record) to the new checkpoint; false if it moved meanwhile. */
  advance(
    previous: WitnessRecord | undefined,
    next: WitnessRecord & { note: string },
    at: string,
  ): boolean {
    const root = Buffer.from(next.root);
    if (!previous) {
      return (
        this.db
          .prepare(
            'INSERT INTO witness_logs (origin, size, root, note, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin) DO NOTHING',
          )
          .run(next.origin, next.size, root, next.note, at).changes === 1
      );
    }
    return (
      this.db
        .prepare(
          'UPDATE witness_logs SET size = ?, root = ?, note = ?, updated_at = ? WHERE origin = ? AND size = ? AND root = ?',
        )
        .run(next.size, root, next.note, at, next.origin, previous.size, Buffer.from(previous.root))
        .changes === 1
    );
  }

  close(): void {
    this.db.close();
  }
}
