/**
 * The store's view of the Merkle head: the compact range kept in one row. Delegates hashing to
 * the audit module (TEMPORARY local implementation until audit/ lands).
 */
import { createHash } from 'node:crypto';

export interface StoredNode {
  level: number;
  index: number;
  hash: Uint8Array;
}

export interface HeadRange {
  size: number;
  /** Roots of the perfect subtrees on the right edge, largest (leftmost) first. */
  hashes: Uint8Array[];
}

function leafHash(bytes: Uint8Array): Uint8Array {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(bytes)
    .digest();
}
function nodeHash(l: Uint8Array, r: Uint8Array): Uint8Array {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(l)
    .update(r)
    .digest();
}

export function parseCompactRange(size: number, text: string): HeadRange {
  const hexes = JSON.parse(text) as string[];
  return { size, hashes: hexes.map((h) => Buffer.from(h, 'hex')) };
}

export function serializeCompactRange(range: HeadRange): string {
  return JSON.stringify(range.hashes.map((h) => Buffer.from(h).toString('hex')));
}

export function appendToCompactRange(
  range: HeadRange,
  eventBytes: Uint8Array,
): { range: HeadRange; newNodes: StoredNode[] } {
  let hash = leafHash(eventBytes);
  const hashes = [...range.hashes];
  const newNodes: StoredNode[] = [{ level: 0, index: range.size, hash }];
  let level = 0;
  let index = range.size;
  while ((index & 1) === 1) {
    const left = hashes.pop() as Uint8Array;
    hash = nodeHash(left, hash);
    level++;
    index >>= 1;
    newNodes.push({ level, index, hash });
  }
  hashes.push(hash);
  return { range: { size: range.size + 1, hashes }, newNodes };
}
