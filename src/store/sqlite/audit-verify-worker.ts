/**
 * Worker-thread entry of full verification on a SQLite file: each worker opens the file
 * read-only and reads its chunk's rows and stored nodes itself, so reading runs on every core
 * beside hashing and no row crosses a thread boundary. Answers `{ id, ref }` with
 * `{ id, result }` (see audit/verify-parallel.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { verifyChunk, type ChunkResult } from '../../audit/verify-chunk.js';
import type { ChunkRef } from '../../audit/verify-parallel.js';

const db = new Database((workerData as { path: string }).path, {
  readonly: true,
  fileMustExist: true,
});
// the rows of [from, to) are exactly its integers when there are `to - from` of them (idx is
// unique) and each is an integer: the index alone answers
const rowsAreExact = db
  .prepare<[number, number, number], number>(
    `SELECT count(*) = ? AND coalesce(sum(typeof(idx) <> 'integer'), 0) = 0
       FROM audit_events WHERE idx >= ? AND idx < ?`,
  )
  .pluck();
// each event as stored; NULL when it is not text
const eventsOf = db
  .prepare<[number, number], string | null>(
    `SELECT CASE WHEN typeof(event_json) = 'text' THEN event_json END
       FROM audit_events WHERE idx >= ? AND idx < ? ORDER BY idx`,
  )
  .pluck();
// a level's stored hashes side by side in one blob, when all are there and each is a 32-byte
// blob at an integer index (group_concat keeps a blob's bytes as they are; were any changed on the
// way, the chunk would not match and the sequential pass would decide)
const levelOf = db
  .prepare<[number, number, number, number], Buffer | null>(
    `SELECT CASE WHEN count(*) = ?
                  AND coalesce(sum(typeof(idx) <> 'integer' OR typeof(hash) <> 'blob'
                                   OR length(hash) <> 32), 0) = 0
             THEN CAST(group_concat(hash, '' ORDER BY idx) AS BLOB) END
       FROM audit_nodes WHERE level = ? AND idx >= ? AND idx < ?`,
  )
  .pluck();

function verifyRef({ start, count, k }: ChunkRef): ChunkResult {
  if (rowsAreExact.get(count, start, start + count) !== 1) return { ok: false };
  const levels: (Buffer | null)[] = [];
  for (let l = 0; l <= k && count >> l > 0; l++) {
    const from = start >> l;
    const n = count >> l;
    levels.push(levelOf.get(n, l, from, from + n) ?? null);
  }
  return verifyChunk({ count, events: eventsOf.all(start, start + count), levels });
}

parentPort?.on('message', (msg: { id: number; ref: ChunkRef }) => {
  let result: ChunkResult;
  try {
    result = verifyRef(msg.ref);
  } catch {
    result = { ok: false };
  }
  parentPort?.postMessage({ id: msg.id, result });
});
