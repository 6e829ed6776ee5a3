/** The SQLite side of the SQL store: a runner over one better-sqlite3 connection, and the dialect. */
import type Database from 'better-sqlite3';
import type { SqlDialect, SqlRunner } from '../sql/dialect.js';

export const SQLITE_DIALECT: SqlDialect = {
  name: 'sqlite',
  // BINARY, SQLite's default collation, is byte order already
  bytes: (col) => col,
  isDistinct: 'IS NOT',
  typed: () => '?',
  // keeps one lookup under SQLite's parameter limit
  maxNodeRefs: 400,
};

/**
 * Runs statements on one connection (writer or reader), synchronously inside the async methods.
 * Prepared statements are compiled once per connection and reused.
 */
export class SqliteRunner implements SqlRunner {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private prep(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.statements.size < 500) this.statements.set(sql, stmt);
    }
    return stmt;
  }

  async all<R>(sql: string, args: readonly unknown[] = []): Promise<R[]> {
    return this.prep(sql).all(...args) as R[];
  }

  async get<R>(sql: string, args: readonly unknown[] = []): Promise<R | undefined> {
    return this.prep(sql).get(...args) as R | undefined;
  }

  async run(sql: string, args: readonly unknown[] = []): Promise<number> {
    return this.prep(sql).run(...args).changes;
  }
}
