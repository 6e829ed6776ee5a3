/**
 * The port between the one SQL store (this folder) and its two adapters. Every statement is
 * written once, with `?` placeholders, in this folder; an adapter supplies a runner (its
 * connection or transaction client, and its placeholders) and a dialect (the few spellings that
 * differ: byte-order collation, null-safe inequality, typed placeholders).
 *
 * No statement of ours has a `?` inside a string literal or a comment: the PostgreSQL runner
 * turns every `?` into `$1..$n` (and refuses a `?` inside a quoted literal).
 */

/** One connection or transaction client; statements use `?` placeholders. */
export interface SqlRunner {
  all<R>(sql: string, args?: readonly unknown[]): Promise<R[]>;
  get<R>(sql: string, args?: readonly unknown[]): Promise<R | undefined>;
  /** Runs a statement that returns no rows; resolves to the number of rows it changed. */
  run(sql: string, args?: readonly unknown[]): Promise<number>;
}

export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * A text column compared and ordered byte by byte (ISO timestamps, ids, names), so both
   * adapters order and page identically: PostgreSQL `col COLLATE "C"`, SQLite `col` (its BINARY
   * collation already is byte order).
   */
  bytes(col: string): string;
  /** Null-safe inequality: SQLite `IS NOT`, PostgreSQL `IS DISTINCT FROM`. */
  readonly isDistinct: 'IS NOT' | 'IS DISTINCT FROM';
  /** A placeholder whose type the statement alone does not fix (PostgreSQL `?::int`, SQLite `?`). */
  typed(type: 'int' | 'bigint'): string;
  /** How many (level, index) pairs one node lookup may carry (SQLite's parameter limit). */
  readonly maxNodeRefs: number;
}

/** `?, ?, …` for `n` values. */
export function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

export function whereClause(conditions: readonly string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

/** Escapes `\`, `%` and `_` for a `LIKE … ESCAPE '\'` pattern. */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `{ items, nextCursor }` from `limit + 1` fetched rows: the extra row only says there is more. */
export function pageOf<R, T>(
  rows: readonly R[],
  limit: number,
  item: (row: R) => T,
  cursor: (last: R) => string,
): { items: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(item), nextCursor: more && last ? cursor(last) : null };
}
