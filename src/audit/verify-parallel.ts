/**
 * Full verification on every core: the log is cut into aligned chunks of `chunkLeaves` leaves (a
 * power of two), independent subtrees that worker threads recompute and compare while the main
 * thread streams the next chunks' rows and stored nodes from the store. The main thread then
 * checks the few nodes above the chunks, the compact range and every checkpoint (from the stored
 * nodes, all of which are then proven equal to the recomputed ones).
 *
 * This is the fast path of a healthy log only: at the first sign of any problem it hands over to
 * the sequential verifier (verifyLog), which names the first bad index and why, exactly as before.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseCheckpoint } from './checkpoint.js';
import {
  assertCompactRange,
  compactRangeFromNodes,
  type CompactRange,
  type NodeReader,
} from './compact-range.js';
import { bytesEqual, emptyRoot, isHash, nodeHash, toHex } from './hash.js';
import { CheckpointTrail, type CheckpointSpec } from './log-checkpoints.js';
import { rootAt } from './proofs.js';
import { packHashes, type ChunkResult, type ChunkTask } from './verify-chunk.js';
import type { VerifyLogResult } from './verify-log-result.js';

export interface ParallelLogSource {
  /** The store's compact range row: its size is the number of events the store claims to hold. */
  compactRange: CompactRange;
  /** Raw rows from `fromIndex` in index order, at most `limit`. */
  readRows(fromIndex: number, limit: number): Promise<{ index: number; eventJson: string }[]>;
  /** Stored nodes (level, from), (level, from + 1), … `count` of them; undefined where absent. */
  readNodeRange(level: number, from: number, count: number): Promise<(Uint8Array | undefined)[]>;
  readNodes: NodeReader;
  checkpoints?: CheckpointSpec;
  /**
   * Workers that read each chunk's rows and nodes themselves (a SQLite file, read-only): then
   * reading runs on every core too and nothing is copied between threads. Each worker answers
   * `{ id, ref: ChunkRef }` messages with `{ id, result: ChunkResult }`. Absent: the main thread
   * reads and hands each chunk over.
   */
  chunkReader?: ChunkReaderWorker;
}

/** Where a chunk-reading worker starts, and what it is given (e.g. the database file). */
export interface ChunkReaderWorker {
  url: URL;
  workerData: unknown;
}

/** A chunk by position: leaves [start, start + count), `k` = log2 of the chunk width. */
export interface ChunkRef {
  start: number;
  count: number;
  k: number;
}

export interface ParallelOptions {
  /** Worker threads (default: the machine's available parallelism). */
  threads?: number;
  /** Leaves per chunk, a power of two (default 16384). */
  chunkLeaves?: number;
  /** Called as chunks are verified: events verified so far, and in all. */
  onProgress?: (verified: number, total: number) => void;
}

const DEFAULT_CHUNK_LEAVES = 1 << 14;
/** The young generation of each verification worker (V8's default is 16 MB on 64-bit). */
const YOUNG_GENERATION_MB = 128;

/** A fixed set of workers, each with at most one task at a time. */
class ChunkPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private readonly workers: Worker[];
  private nextId = 0;

  constructor(threads: number, reader?: ChunkReaderWorker) {
    const url = reader?.url ?? new URL('./verify-worker.js', import.meta.url);
    this.workers = Array.from(
      { length: threads },
      () =>
        new Worker(url, {
          ...(reader ? { workerData: reader.workerData } : {}),
          // a chunk's rows are garbage once it is hashed: a young generation that holds a few
          // chunks collects them for nothing instead of promoting them (about 15% faster in all)
          resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
        }),
    );
    this.idle.push(...this.workers);
  }

  async run(work: { task: ChunkTask } | { ref: ChunkRef }): Promise<ChunkResult> {
    const worker = this.idle.pop() ?? (await new Promise<Worker>((r) => this.waiting.push(r)));
    const id = this.nextId++;
    try {
      return await new Promise<ChunkResult>((resolve, reject) => {
        const onMessage = (msg: { id: number; result: ChunkResult }) => {
          if (msg.id !== id) return;
          cleanup();
          resolve(msg.result);
        };
        const onError = (err: Error) => {
          cleanup();
          reject(err);
        };
        const cleanup = () => {
          worker.off('message', onMessage);
          worker.off('error', onError);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.postMessage({ id, ...work });
      });
    } finally {
      const next = this.waiting.shift();
      if (next) next(worker);
      else this.idle.push(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Verifies the whole log in parallel; `sequential` is called for the exact report whenever
 * anything does not match (or the parallel machinery itself fails).
 */
export async function verifyLogParallel(
  source: ParallelLogSource,
  sequential: () => Promise<VerifyLogResult>,
  options: ParallelOptions = {},
): Promise<VerifyLogResult> {
  const chunk = options.chunkLeaves ?? DEFAULT_CHUNK_LEAVES;
  if (!Number.isSafeInteger(chunk) || chunk < 2 || (chunk & (chunk - 1)) !== 0)
    throw new TypeError('chunkLeaves must be a power of two, at least 2');
  const threads = Math.max(1, options.threads ?? availableParallelism());
  assertCompactRange(source.compactRange);
  let ok: VerifyLogResult | null;
  try {
    ok = await parallelHappyPath(source, chunk, threads, options.onProgress);
  } catch {
    ok = null;
  }
  return ok ?? sequential();
}

/** The result when everything matches; null at the first thing that does not. */
async function parallelHappyPath(
  source: ParallelLogSource,
  chunk: number,
  threads: number,
  onProgress: ParallelOptions['onProgress'],
): Promise<VerifyLogResult | null> {
  const size = source.compactRange.size;
  let verified = 0;
  const k = Math.log2(chunk);
  const fullChunks = Math.floor(size / chunk);
  const chunkCount = Math.ceil(size / chunk);
  const roots: Uint8Array[] = new Array<Uint8Array>(fullChunks);
  const pool = new ChunkPool(threads, source.chunkReader);
  let failed = false;
  try {
    const inFlight = new Set<Promise<void>>();
    for (let c = 0; c < chunkCount && !failed; c++) {
      const start = c * chunk;
      const count = Math.min(chunk, size - start);
      const work = source.chunkReader
        ? { ref: { start, count, k } }
        : { task: await readChunk(source, start, count, k) };
      const job = pool.run(work).then(
        (r) => {
          if (!r.ok) failed = true;
          else if (count === chunk && r.root) roots[c] = r.root;
          else if (count === chunk) failed = true;
          verified += count;
          if (!failed) onProgress?.(verified, size);
        },
        () => {
          failed = true;
        },
      );
      const tracked = job.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      // reading runs ahead of hashing by at most two chunks per worker
      if (inFlight.size >= threads * 2) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await pool.close();
  }
  if (failed) return null;
  // no row past the logged size
  if ((await source.readRows(size, 1)).length > 0) return null;
  // the perfect nodes above the chunks, from the chunk roots
  let level = roots;
  for (let l = k + 1; level.length > 1; l++) {
    const pairs = Math.floor(level.length / 2);
    const stored = await source.readNodeRange(l, 0, pairs);
    const next: Uint8Array[] = [];
    for (let j = 0; j < pairs; j++) {
      const hash = nodeHash(level[2 * j] as Uint8Array, level[2 * j + 1] as Uint8Array);
      const s = stored[j];
      if (!isHash(s) || !bytesEqual(s, hash)) return null;
      next.push(hash);
    }
    level = next;
  }
  // every stored perfect node of the tree now equals its recomputed value: ranges and roots
  // computed from stored nodes are the recomputed ones
  const range = await compactRangeFromNodes(size, source.readNodes);
  const logged = source.compactRange.hashes;
  if (range.hashes.length !== logged.length || range.hashes.some((h, i) => h !== logged[i]))
    return null;
  const trail = new CheckpointTrail(source.checkpoints, source.readNodes);
  if (await trail.reach(0, emptyRoot())) return null;
  const sizes = [
    ...new Set(
      (source.checkpoints?.notes ?? []).map((n) => {
        const p = parseCheckpoint(n);
        return p.ok ? p.checkpoint.size : -1;
      }),
    ),
  ].sort((a, b) => a - b);
  for (const s of sizes) {
    if (s === 0) continue; // reached above
    if (s < 0 || s > size) return null;
    if (await trail.reach(s, await rootAt(s, source.readNodes))) return null;
  }
  if (trail.leftover(size)) return null;
  const root = size === 0 ? emptyRoot() : await rootAt(size, source.readNodes);
  return { ok: true, size, root: toHex(root), checkpoints: trail.verified };
}

async function readChunk(
  source: ParallelLogSource,
  start: number,
  count: number,
  k: number,
): Promise<ChunkTask> {
  const rows = await source.readRows(start, count);
  const levels: (Uint8Array | null)[] = [];
  for (let l = 0; l <= k && count >> l > 0; l++)
    levels.push(packHashes(await source.readNodeRange(l, start >> l, count >> l)));
  // rows at other indices than start, start + 1, … fail the chunk (a list of another length)
  const exact = rows.length === count && rows.every((r, i) => r.index === start + i);
  return {
    count,
    events: exact ? rows.map((r) => (typeof r.eventJson === 'string' ? r.eventJson : null)) : [],
    levels,
  };
}
