/**
 * One independent piece of full verification: the rows of an aligned chunk of leaves
 * [start, start + count) (start a multiple of the chunk width, a power of two), with the stored
 * nodes inside it, level by level. Every leaf and every perfect node inside the chunk is
 * recomputed and compared; the answer is the chunk's recomputed root (meaningful when the chunk
 * is full). Pure, so it runs in a worker thread; it only says whether all matched: the sequential
 * verifier names the first problem.
 */
import {
  bytesEqual,
  HASH_SIZE,
  hashEqualAt,
  isHash,
  leafHashOfText,
  nodeHash,
  nodeHashAt,
} from './hash.js';
import { recomputeLeaf } from './verify-log.js';

export interface ChunkTask {
  start: number;
  count: number;
  /** The stored rows from `start`, as read (the indices are checked to be start, start+1, …). */
  indices: number[];
  texts: string[];
  /** `nodes[l][j]`: the stored node (level l, index (start >> l) + j), level 0 = leaves. */
  nodes: (Uint8Array | null)[][];
}

export type ChunkResult = { ok: true; root: Uint8Array | null } | { ok: false };

export function verifyChunk(task: ChunkTask): ChunkResult {
  const { count, indices, texts, nodes } = task;
  if (indices.length !== count || texts.length !== count) return { ok: false };
  let level: Uint8Array[] = [];
  const stored0 = nodes[0] ?? [];
  for (let i = 0; i < count; i++) {
    if (indices[i] !== task.start + i) return { ok: false };
    const stored = stored0[i];
    if (!isHash(stored) || typeof texts[i] !== 'string') return { ok: false };
    const leaf = recomputeLeaf(texts[i] as string, stored);
    if (leaf === undefined || !bytesEqual(leaf, stored)) return { ok: false };
    level.push(leaf);
  }
  for (let l = 1; level.length > 1; l++) {
    const stored = nodes[l] ?? [];
    const next: Uint8Array[] = [];
    for (let j = 0; j + 1 < level.length; j += 2) {
      const hash = nodeHash(level[j] as Uint8Array, level[j + 1] as Uint8Array);
      const s = stored[j / 2];
      if (!isHash(s) || !bytesEqual(s, hash)) return { ok: false };
      next.push(hash);
    }
    // an odd node left over is the root of a smaller perfect subtree of a partial chunk
    level = next;
  }
  return { ok: true, root: level.length === 1 ? (level[0] as Uint8Array) : null };
}

/**
 * The same chunk as a store can hand it over cheaply: each row's stored event, and each level's
 * stored hashes packed side by side. Checking the same things as verifyChunk, it allocates
 * next to nothing per leaf: full verification of a large log was mostly garbage collection of
 * per-row strings, buffers and objects.
 */
export interface PackedChunk {
  count: number;
  /**
   * The stored events of leaves [start, start + count), in index order: each row's event JSON;
   * null for a row whose event is not text. The store has checked the indices are exactly start,
   * start + 1, ….
   */
  events: (string | null)[];
  /**
   * `levels[l]`: the stored nodes (level l, index (start >> l) + j) for j < count >> l, HASH_SIZE
   * bytes each, side by side in index order; null when any is missing, or is not a HASH_SIZE-byte
   * hash at an integer index.
   */
  levels: (Uint8Array | null)[];
}

export function verifyPackedChunk(task: PackedChunk): ChunkResult {
  const { count, events, levels } = task;
  const stored0 = levels[0];
  if (events.length !== count || !stored0 || stored0.length !== count * HASH_SIZE)
    return { ok: false };
  let width = count;
  let level = new Uint8Array(count * HASH_SIZE);
  for (let i = 0; i < count; i++) {
    const text = events[i];
    if (typeof text !== 'string') return { ok: false };
    let leaf = leafHashOfText(text);
    if (!hashEqualAt(leaf, stored0, i * HASH_SIZE)) {
      // not stored in its canonical form: the sequential verifier's recomputation decides
      const stored = stored0.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE);
      const again = recomputeLeaf(text, stored);
      if (again === undefined || !bytesEqual(again, stored)) return { ok: false };
      leaf = again;
    }
    level.set(leaf, i * HASH_SIZE);
  }
  for (let l = 1; width > 1; l++) {
    const pairs = width >> 1;
    const stored = levels[l];
    if (!stored || stored.length !== pairs * HASH_SIZE) return { ok: false };
    const next = new Uint8Array(pairs * HASH_SIZE);
    for (let j = 0; j < pairs; j++) {
      const hash = nodeHashAt(level, 2 * j * HASH_SIZE);
      if (!hashEqualAt(hash, stored, j * HASH_SIZE)) return { ok: false };
      next.set(hash, j * HASH_SIZE);
    }
    // an odd node left over is the root of a smaller perfect subtree of a partial chunk
    level = next;
    width = pairs;
  }
  return { ok: true, root: width === 1 ? level.slice(0, HASH_SIZE) : null };
}
