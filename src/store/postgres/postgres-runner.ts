/** The PostgreSQL side of the SQL store: a runner over a pool or client, and the dialect. */
import type { SqlDialect, SqlRunner } from '../sql/dialect.js';
import type { Queryable } from './postgres-sql.js';

export const POSTGRES_DIALECT: SqlDialect = {
  name: 'postgres',
  // byte order ("C"), as in SQLite, so both adapters order and page identically
  bytes: (col) => `${col} COLLATE "C"`,
  isDistinct: 'IS DISTINCT FROM',
  // a bare parameter in VALUES would be text
  typed: (type) => `?::${type}`,
  maxNodeRefs: 1000,
};

/** `?` → `$n`, computed once per statement text (bounded, like SQLite's statement cache). */
const numbered = new Map<string, string>();

export function numberPlaceholders(sql: string): string {
  const cached = numbered.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  let quoted = false;
  for (const c of sql) {
    if (c === "'") quoted = !quoted;
    if (c !== '?') out += c;
    else if (quoted) throw new Error(`a ? inside a string literal of: ${sql}`);
    else out += `$${++n}`;
  }
  if (numbered.size < 500) numbered.set(sql, out);
  return out;
}

/** Runs statements written with `?` on a pool (autocommit) or a client inside BEGIN … COMMIT. */
export class PostgresRunner implements SqlRunner {
  constructor(private readonly db: Queryable) {}

  async all<R>(sql: string, args: readonly unknown[] = []): Promise<R[]> {
    const res = await this.db.query(numberPlaceholders(sql), [...args]);
    return res.rows as R[];
  }

  async get<R>(sql: string, args: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.all<R>(sql, args))[0];
  }

  async run(sql: string, args: readonly unknown[] = []): Promise<number> {
    return (await this.db.query(numberPlaceholders(sql), [...args])).rowCount ?? 0;
  }
}
