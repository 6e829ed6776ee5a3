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
import { nodeRange } from '../merkle-head.js';

const db = new Database((workerData as { path: string }).path, {
  readonly: true,
  fileMustExist: true,
});
const rowsOf = db.prepare<[number, number], { idx: number; event_json: string }>(
  'SELECT idx, event_json FROM audit_events WHERE idx >= ? AND idx < ? ORDER BY idx',
);
const nodesOf = db.prepare<[number, number, number], { idx: number; hash: Buffer }>(
  'SELECT idx, hash FROM audit_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx',
);

function verifyRef({ start, count, k }: ChunkRef): ChunkResult {
  const rows = rowsOf.all(start, start + count);
  const nodes: (Uint8Array | null)[][] = [];
  for (let l = 0; l <= k && count >> l > 0; l++) {
    const from = start >> l;
    const n = count >> l;
    nodes.push(nodeRange(nodesOf.all(l, from, from + n), from, n).map((h) => h ?? null));
  }
  return verifyChunk({
    start,
    count,
    indices: rows.map((r) => r.idx),
    texts: rows.map((r) => r.event_json),
    nodes,
  });
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
