/**
 * Inclusion and consistency proofs (RFC 9162 §2.1.3.1 PATH, §2.1.4.1 SUBPROOF) served from stored
 * perfect subtrees. A proof node for a tree whose size is not a power of two may be a right-edge
 * subtree that was never stored; it is rebuilt from the O(log n) perfect subtrees it splits into.
 * All refs are collected first and read in one call.
 */
import { emptyRoot } from './hash.js';
import { type NodeReader, readNodes } from './compact-range.js';
import { type NodeRef, foldPieces, isTreeSize, perfectRefs, splitPoint } from './tree-math.js';

/** A subtree over leaves [start, end). */
interface Span {
  start: number;
  end: number;
}

/** RFC 9162 PATH(m, D[start:end]): the spans of the audit path, leaf side first. */
function pathSpans(m: number, start: number, end: number, out: Span[]): void {
  const n = end - start;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    pathSpans(m, start, start + k, out);
    out.push({ start: start + k, end });
  } else {
    pathSpans(m - k, start + k, end, out);
    out.push({ start, end: start + k });
  }
}

/** RFC 9162 SUBPROOF(m, D[start:end], b). */
function subproofSpans(m: number, start: number, end: number, b: boolean, out: Span[]): void {
  const n = end - start;
  if (m === n) {
    if (!b) out.push({ start, end });
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproofSpans(m, start, start + k, b, out);
    out.push({ start: start + k, end });
  } else {
    subproofSpans(m - k, start + k, end, false, out);
    out.push({ start, end: start + k });
  }
}

/** Reads every span's perfect pieces in one call and folds each span into its hash. */
async function hashSpans(spans: readonly Span[], read: NodeReader): Promise<Uint8Array[]> {
  const pieces = spans.map((s) => perfectRefs(s.start, s.end));
  const refs: NodeRef[] = pieces.flat();
  const hashes = await readNodes(read, refs);
  let at = 0;
  return pieces.map((p) => {
    const part = hashes.slice(at, at + p.length);
    at += p.length;
    return foldPieces(part);
  });
}

function assertSize(name: string, value: unknown): asserts value is number {
  if (!isTreeSize(value)) throw new TypeError(`${name} must be a non-negative safe integer`);
}

/** The nodes an inclusion proof for leaf `index` in a tree of `size` needs (for prefetching). */
export function inclusionProofRefs(index: number, size: number): NodeRef[] {
  assertSize('index', index);
  assertSize('size', size);
  if (index >= size) throw new TypeError(`index ${index} is not below tree size ${size}`);
  const spans: Span[] = [];
  pathSpans(index, 0, size, spans);
  return spans.flatMap((s) => perfectRefs(s.start, s.end));
}

/** The audit path for leaf `index` in the tree of size `size`, leaf side first (RFC 9162 §2.1.3.1). */
export async function inclusionProof(
  index: number,
  size: number,
  read: NodeReader,
): Promise<Uint8Array[]> {
  assertSize('index', index);
  assertSize('size', size);
  if (index >= size) throw new TypeError(`index ${index} is not below tree size ${size}`);
  const spans: Span[] = [];
  pathSpans(index, 0, size, spans);
  return hashSpans(spans, read);
}

/**
 * The consistency proof from tree size `m` to `n` (RFC 9162 §2.1.4.1). Empty when m = 0 or
 * m = n: every tree is consistent with the empty tree and with itself.
 */
export async function consistencyProof(
  m: number,
  n: number,
  read: NodeReader,
): Promise<Uint8Array[]> {
  assertSize('m', m);
  assertSize('n', n);
  if (m > n) throw new TypeError(`old size ${m} is larger than new size ${n}`);
  if (m === 0 || m === n) return [];
  const spans: Span[] = [];
  subproofSpans(m, 0, n, true, spans);
  return hashSpans(spans, read);
}

/** The root of the tree at any past size, from the O(log n) perfect subtrees covering it. */
export async function rootAt(size: number, read: NodeReader): Promise<Uint8Array> {
  assertSize('size', size);
  if (size === 0) return emptyRoot();
  const [root] = await hashSpans([{ start: 0, end: size }], read);
  return root as Uint8Array;
}
