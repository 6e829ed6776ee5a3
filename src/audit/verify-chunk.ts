/**
 * One independent piece of full verification: the rows of an aligned chunk of leaves
 * [start, start + count) (start a multiple of the chunk width, a power of two), with the stored
 * nodes inside it, level by level. Every leaf and every perfect node inside the chunk is
 * recomputed and compared; the answer is the chunk's recomputed root (meaningful when the chunk
 * is full). Pure, so it runs in a worker thread; it only says whether all matched: the sequential
 * verifier names the first problem.
 *
 * Each level's stored hashes come packed side by side, so that verifying allocates next to
 * nothing per leaf: full verification of a large log had been mostly garbage collection of
 * per-row buffers and objects.
 */
import { bytesEqual, HASH_SIZE, hashEqualAt, leafHashOfText, nodeHashAt } from './hash.js';
import { recomputeLeaf } from './verify-log.js';

export interface ChunkTask {
  count: number;
  /**
   * The stored events of leaves [start, start + count), in index order: each row's event JSON;
   * null for a row whose event is not text. Whoever read them has checked that the indices are
   * exactly start, start + 1, … (a list of another length fails the chunk).
   */
  events: (string | null)[];
  /**
   * `levels[l]`: the stored nodes (level l, index (start >> l) + j) for j < count >> l, HASH_SIZE
   * bytes each, side by side in index order; null when any is missing, or is not a HASH_SIZE-byte
   * hash at an integer index.
   */
  levels: (Uint8Array | null)[];
}

export type ChunkResult = { ok: true; root: Uint8Array | null } | { ok: false };

export function verifyChunk(task: ChunkTask): ChunkResult {
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

/** Stored hashes side by side; null when any is absent or not a hash. */
export function packHashes(hashes: readonly (Uint8Array | undefined)[]): Uint8Array | null {
  const packed = new Uint8Array(hashes.length * HASH_SIZE);
  for (let j = 0; j < hashes.length; j++) {
    const h = hashes[j];
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) return null;
    packed.set(h, j * HASH_SIZE);
  }
  return packed;
}
