/**
 * One independent piece of full verification: the rows of an aligned chunk of leaves
 * [start, start + count) (start a multiple of the chunk width, a power of two), with the stored
 * nodes inside it, level by level. Every leaf and every perfect node inside the chunk is
 * recomputed and compared; the answer is the chunk's recomputed root (meaningful when the chunk
 * is full). Pure, so it runs in a worker thread; it only says whether all matched: the sequential
 * verifier names the first problem.
 */
import { bytesEqual, isHash, nodeHash } from './hash.js';
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
