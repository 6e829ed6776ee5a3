/**
 * Index arithmetic for an RFC 9162 tree stored as perfect subtrees. Sizes go past 2^32, so this
 * uses plain arithmetic instead of 32-bit bitwise operators.
 */
import { nodeHash } from './hash.js';

/**
 * A perfect subtree: level 0 is a leaf; node (level, index) is the root over leaves
 * [index·2^level, (index+1)·2^level). Only perfect subtrees are ever stored: they never change
 * once complete, whatever the tree grows to.
 */
export interface NodeRef {
  level: number;
  index: number;
}

export function isTreeSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** The largest power of two strictly below n (RFC 9162 §2.1.1 split point `k`); n ≥ 2. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

export function isOdd(n: number): boolean {
  return n % 2 === 1;
}

/** Number of set bits: the number of perfect subtrees in a tree of size n. */
export function popcount(n: number): number {
  let c = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) if (v % 2 === 1) c++;
  return c;
}

/**
 * The perfect subtrees that cover leaves [start, end), largest (leftmost) first. Every range the
 * RFC 9162 recursion produces starts at a multiple of its largest piece, so each piece is a real
 * node of the tree; anything else is a bug here, not bad input.
 */
export function perfectRefs(start: number, end: number): NodeRef[] {
  const out: NodeRef[] = [];
  let len = end - start;
  let cur = start;
  let level = 0;
  while (2 ** (level + 1) <= len) level++;
  for (; level >= 0 && len > 0; level--) {
    const width = 2 ** level;
    if (len < width) continue;
    if (cur % width !== 0) throw new Error(`range [${start}, ${end}) is not tree-aligned`);
    out.push({ level, index: cur / width });
    cur += width;
    len -= width;
  }
  return out;
}

/** The hash of a range from its perfect pieces (largest first): RFC 9162 MTH folds right. */
export function foldPieces(pieces: readonly Uint8Array[]): Uint8Array {
  let i = pieces.length - 1;
  let acc = pieces[i];
  if (acc === undefined) throw new Error('cannot fold an empty range');
  for (i--; i >= 0; i--) acc = nodeHash(pieces[i] as Uint8Array, acc);
  return acc;
}

/** The first leaf a node covers. */
export function firstLeafOf(ref: NodeRef): number {
  return ref.index * 2 ** ref.level;
}
