/**
 * Appending to the log in O(log n) with a compact range: the roots of the perfect subtrees on the
 * tree's right edge (one per set bit of the size). A store keeps the range in one row and every
 * completed perfect node in a node table; nothing stored ever changes after it is written.
 */
import { ServiceError } from '../errors/index.js';
import { HASH_SIZE, emptyRoot, hashFromHex, isHash, nodeHash, toHex } from './hash.js';
import { type NodeRef, foldPieces, isOdd, isTreeSize, perfectRefs, popcount } from './tree-math.js';

export type { NodeRef } from './tree-math.js';

/**
 * Serialisable state of an append-only tree: its size and the hex roots of the perfect subtrees
 * covering leaves [0, size), largest (leftmost) first.
 */
export interface CompactRange {
  size: number;
  hashes: string[];
}

/** A completed perfect subtree node, ready to store under (level, index). */
export interface StoredNode extends NodeRef {
  hash: Uint8Array;
}

/**
 * Batch reader of stored perfect nodes: one hash per ref, in the same order, `undefined` for a node
 * the store does not have. One call should be one query.
 */
export type NodeReader = (refs: readonly NodeRef[]) => Promise<readonly (Uint8Array | undefined)[]>;

export function emptyCompactRange(): CompactRange {
  return { size: 0, hashes: [] };
}

/**
 * The in-memory form of a compact range (hashes as bytes), for callers that append many leaves in
 * a row. `append` reports each completed perfect node, the leaf first.
 */
export class RangeAccumulator {
  private readonly stack: Uint8Array[];
  private n: number;

  constructor(range: CompactRange = emptyCompactRange()) {
    assertCompactRange(range);
    this.n = range.size;
    this.stack = range.hashes.map((h) => hashFromHex(h) as Uint8Array);
  }

  get size(): number {
    return this.n;
  }

  append(
    leaf: Uint8Array,
    onNode?: (level: number, index: number, hash: Uint8Array) => void,
  ): void {
    let hash = leaf;
    let index = this.n;
    let level = 0;
    onNode?.(0, index, hash);
    // Each trailing 1-bit of the old size is a perfect subtree the new leaf completes a sibling for.
    while (isOdd(index)) {
      hash = nodeHash(this.stack.pop() as Uint8Array, hash);
      index = (index - 1) / 2;
      level++;
      onNode?.(level, index, hash);
    }
    this.stack.push(hash);
    this.n++;
  }

  root(): Uint8Array {
    return this.n === 0 ? emptyRoot() : foldPieces(this.stack);
  }

  toCompactRange(): CompactRange {
    return { size: this.n, hashes: this.stack.map(toHex) };
  }
}

/**
 * Appends one leaf hash. Returns the new range and every perfect node the append completed
 * (level 0 is the leaf itself; about two per append on average).
 */
export function appendLeaf(
  range: CompactRange,
  leaf: Uint8Array,
): { range: CompactRange; newNodes: StoredNode[] } {
  if (!isHash(leaf)) throw new TypeError(`leaf must be a ${HASH_SIZE}-byte hash`);
  if (!isTreeSize(range?.size) || !Array.isArray(range.hashes)) {
    throw new TypeError('range must be a CompactRange');
  }
  if (range.hashes.length !== popcount(range.size)) {
    throw new TypeError('range.hashes must hold one hash per set bit of range.size');
  }
  const newNodes: StoredNode[] = [{ level: 0, index: range.size, hash: leaf }];
  const hashes = range.hashes.slice();
  let hash = leaf;
  let index = range.size;
  let level = 0;
  while (isOdd(index)) {
    const left = hashFromHex(hashes.pop() as string);
    if (left === undefined) throw new TypeError('range.hashes must be 64 lower-case hex digits');
    hash = nodeHash(left, hash);
    index = (index - 1) / 2;
    level++;
    newNodes.push({ level, index, hash });
  }
  hashes.push(toHex(hash));
  return { range: { size: range.size + 1, hashes }, newNodes };
}

/** The root hash of the tree the range describes; SHA-256("") for the empty tree. */
export function rootOf(range: CompactRange): Uint8Array {
  assertCompactRange(range);
  if (range.size === 0) return emptyRoot();
  return foldPieces(range.hashes.map((h) => hashFromHex(h) as Uint8Array));
}

/** The stored nodes a compact range of this size is made of, largest first. */
export function compactRangeRefs(size: number): NodeRef[] {
  if (!isTreeSize(size)) throw new TypeError('size must be a non-negative safe integer');
  return perfectRefs(0, size);
}

/** Rebuilds the compact range of size `size` from stored nodes, in one read. */
export async function compactRangeFromNodes(size: number, read: NodeReader): Promise<CompactRange> {
  const hashes = await readNodes(read, compactRangeRefs(size));
  return { size, hashes: hashes.map(toHex) };
}

/** True when `value` is a well-formed CompactRange (for a row read back from storage). */
export function isCompactRange(value: unknown): value is CompactRange {
  if (typeof value !== 'object' || value === null) return false;
  const { size, hashes } = value as Partial<CompactRange>;
  return (
    isTreeSize(size) &&
    Array.isArray(hashes) &&
    hashes.length === popcount(size) &&
    hashes.every((h) => hashFromHex(h) !== undefined)
  );
}

export function assertCompactRange(value: unknown): asserts value is CompactRange {
  if (!isCompactRange(value)) {
    throw new TypeError(
      'range must be {size, hashes} with one 64-hex-digit hash per set bit of size',
    );
  }
}

/**
 * Reads nodes and checks the store's answer: one 32-byte hash per ref. A missing node means the
 * store lost data or was asked past its size: the log cannot serve, so fail closed.
 */
export async function readNodes(read: NodeReader, refs: readonly NodeRef[]): Promise<Uint8Array[]> {
  if (refs.length === 0) return [];
  const got = await read(refs);
  if (!Array.isArray(got) || got.length !== refs.length) {
    throw new ServiceError(
      'audit_unavailable',
      `audit node store returned ${Array.isArray(got) ? got.length : 'no'} hashes for ${refs.length} nodes`,
    );
  }
  return refs.map((ref, i) => {
    const h: unknown = got[i];
    if (!isHash(h)) {
      throw new ServiceError(
        'audit_unavailable',
        `audit node store has no valid hash for node (level ${ref.level}, index ${ref.index})`,
      );
    }
    return h;
  });
}
