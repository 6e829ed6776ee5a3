/**
 * The store's view of the Merkle head: the compact range kept in one row (`audit_head`), as a
 * JSON array of hex subtree roots, largest first. Hashing is the audit module's.
 */
import {
  appendLeaf,
  assertCompactRange,
  leafHashOfText,
  type CompactRange,
  type StoredNode,
} from '../audit/index.js';

export type { StoredNode };

export function parseCompactRange(size: number, text: string): CompactRange {
  const range: CompactRange = { size, hashes: JSON.parse(text) as string[] };
  assertCompactRange(range);
  return range;
}

export function serializeCompactRange(range: CompactRange): string {
  return JSON.stringify(range.hashes);
}

/** Appends the leaf of `eventJson` (the event's JCS text, hashed as UTF-8) to the range. */
export function appendToCompactRange(
  range: CompactRange,
  eventJson: string,
): { range: CompactRange; newNodes: StoredNode[] } {
  return appendLeaf(range, leafHashOfText(eventJson));
}

/**
 * Stored nodes of one level as the slots `from … from+count-1`: a node not stored (yet) is
 * `undefined`. `rows` are those of the range that exist, in any order.
 */
export function nodeRange(
  rows: readonly { idx: number; hash: Uint8Array }[],
  from: number,
  count: number,
): (Uint8Array | undefined)[] {
  const out = new Array<Uint8Array | undefined>(Math.max(0, count)).fill(undefined);
  for (const r of rows) out[r.idx - from] = new Uint8Array(r.hash);
  return out;
}
