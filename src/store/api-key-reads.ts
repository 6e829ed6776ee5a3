/**
 * Every authenticated request reads its API key. The reads that arrive together share one
 * statement: those of one turn of the event loop, and, with a limit, all those that arrive while
 * `limit` such statements are running (in-flight-limit.ts). A shared statement is one round trip
 * that wakes a database backend (PostgreSQL), or one read transaction on a reader whose page cache
 * every commit has invalidated (SQLite), where one read each would be as many. Nothing is kept
 * past the statement, so a key revoked before a request arrived is refused, as with one read each.
 */
import DataLoader from 'dataloader';
import type { InFlightLimit } from './in-flight-limit.js';
import type { ApiKeyRecord } from './port.js';

export type ApiKeyReads = DataLoader<string, ApiKeyRecord | null>;

export function apiKeyReads(
  /** The keys of these ids that exist, in any order (one statement). */
  readMany: (ids: string[]) => Promise<ApiKeyRecord[]>,
  /** At most this many statements at once (none: one per turn, however many run). */
  limit: InFlightLimit | null = null,
): ApiKeyReads {
  let dispatched = false;
  return new DataLoader(
    async (ids) => {
      dispatched = true;
      try {
        const found = await readMany([...new Set(ids)]);
        const byId = new Map(found.map((k) => [k.id, k]));
        return ids.map((id) => byId.get(id) ?? null);
      } finally {
        limit?.done();
      }
    },
    {
      cache: false,
      maxBatchSize: 100,
      batchScheduleFn: limit
        ? (run) =>
            limit.schedule(() => {
              // a batch with nothing to read never reaches the function above: free its slot here
              dispatched = false;
              run();
              if (!dispatched) limit.done();
            })
        : (run) => setImmediate(run),
    },
  );
}
