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

/**
 * Statements PostgreSQL keeps prepared, by text: parsed and planned once per connection, then only
 * bound and executed (the fixed statements of the store; a statement with many parameters, such
 * as a multi-row insert of a varying size, is sent unnamed). Names are unique per text in this
 * process, so one connection never sees one name for two texts. A statement selecting `*` stays
 * unnamed: once a newer replica's migration adds a column, PostgreSQL refuses to run a prepared
 * plan whose result type changed ("cached plan must not change result type").
 */
const names = new Map<string, string>();
const MAX_NAMED = 400;
const MAX_NAMED_PARAMS = 32;
const SELECTS_STAR = /(?:SELECT|RETURNING|,)\s+(?:\w+\.)?\*/i;

function statement(sql: string, args: readonly unknown[]) {
  const text = numberPlaceholders(sql);
  let name = names.get(text);
  if (
    name === undefined &&
    args.length <= MAX_NAMED_PARAMS &&
    names.size < MAX_NAMED &&
    !SELECTS_STAR.test(text)
  ) {
    name = `countersign_${names.size}`;
    names.set(text, name);
  }
  return name === undefined ? { text, values: [...args] } : { name, text, values: [...args] };
}

/** Runs statements written with `?` on a pool (autocommit) or a client inside BEGIN … COMMIT. */
export class PostgresRunner implements SqlRunner {
  constructor(private readonly db: Queryable) {}

  async all<R>(sql: string, args: readonly unknown[] = []): Promise<R[]> {
    const res = await this.db.query(statement(sql, args));
    return res.rows as R[];
  }

  async get<R>(sql: string, args: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.all<R>(sql, args))[0];
  }

  async run(sql: string, args: readonly unknown[] = []): Promise<number> {
    return (await this.db.query(statement(sql, args))).rowCount ?? 0;
  }
}
