/** Small helpers shared by the PostgreSQL adapter's query modules. */
import type { QueryResult, QueryResultRow } from 'pg';

/** A pool or a checked-out client: both run one statement at a time for us. */
export interface Queryable {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
  /** A named statement is prepared once per connection and reused by name. */
  query<R extends QueryResultRow>(config: {
    name?: string;
    text: string;
    values?: unknown[];
  }): Promise<QueryResult<R>>;
}

/** Collects positional parameters and hands out their `$n` placeholders in order. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * BIGINT (int8) arrives as text; our counters (log indices, sizes) stay far below 2^53, so a
 * value outside the safe range means corruption, not a number to round.
 */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n))
    throw new RangeError(`int8 value ${text} is outside the safe range`);
  return n;
}
