/**
 * Proof verification (RFC 9162 §2.1.3.2, §2.1.4.2). Pure and self-contained so an offline
 * verifier can run it with nothing but the proof, the leaf and a signed root.
 *
 * Indices, sizes, proofs and roots arrive from evidence bundles and API responses:
 * attacker-controlled: parse defensively. Well-typed but wrong values return false; only a
 * caller passing the wrong JS types gets a TypeError.
 */
import { HASH_SIZE, bytesEqual, emptyRoot, nodeHash } from './hash.js';
import { isOdd, isPowerOfTwo, isTreeSize } from './tree-math.js';

/** No valid proof in a tree of at most 2^53 leaves has more nodes than this. */
const MAX_PROOF_LENGTH = 64;

function assertTypes(
  hashes: Record<string, unknown>,
  numbers: Record<string, unknown>,
  proof: unknown,
): void {
  for (const [name, v] of Object.entries(hashes)) {
    if (!(v instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  }
  for (const [name, v] of Object.entries(numbers)) {
    if (typeof v !== 'number') throw new TypeError(`${name} must be a number`);
  }
  if (!Array.isArray(proof)) throw new TypeError('proof must be an array of Uint8Array');
  for (const p of proof as unknown[]) {
    if (!(p instanceof Uint8Array)) throw new TypeError('proof must be an array of Uint8Array');
  }
}

/** Sizes fine, hashes the right length, proof not absurdly long. */
function wellFormed(
  hashes: readonly Uint8Array[],
  sizes: readonly number[],
  proof: readonly Uint8Array[],
): boolean {
  return (
    sizes.every(isTreeSize) &&
    hashes.every((h) => h.length === HASH_SIZE) &&
    proof.length <= MAX_PROOF_LENGTH &&
    proof.every((p) => p.length === HASH_SIZE)
  );
}

/** Right-shifts fn and sn together until fn is odd or zero (the RFC's "LSB(fn) not set" loop). */
function alignRight(fn: number, sn: number): [number, number] {
  while (!isOdd(fn) && fn !== 0) {
    fn /= 2;
    sn = Math.floor(sn / 2);
  }
  return [fn, sn];
}

/**
 * True when `proof` shows that the leaf with hash `leafHash` sits at `index` in the tree of size
 * `size` whose root is `root` (RFC 9162 §2.1.3.2).
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  assertTypes({ leafHash, root }, { index, size }, proof);
  if (!wellFormed([leafHash, root], [index, size], proof)) return false;
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!isOdd(fn)) [fn, sn] = alignRight(fn, sn);
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(r, root);
}

/**
 * True when `proof` shows that the tree of size `n` with root `rootN` extends the tree of size
 * `m` with root `rootM` (RFC 9162 §2.1.4.2). Size 0 is consistent with everything, but only
 * when `rootM` really is the empty-tree root.
 */
export function verifyConsistency(
  m: number,
  n: number,
  proof: readonly Uint8Array[],
  rootM: Uint8Array,
  rootN: Uint8Array,
): boolean {
  assertTypes({ rootM, rootN }, { m, n }, proof);
  if (!wellFormed([rootM, rootN], [m, n], proof)) return false;
  if (m > n) return false;
  if (m === 0) return proof.length === 0 && bytesEqual(rootM, emptyRoot());
  if (m === n) return proof.length === 0 && bytesEqual(rootM, rootN);
  if (proof.length === 0) return false;
  // When m is a power of two the old root is itself a node of the new tree: the proof omits it.
  const path = isPowerOfTwo(m) ? [rootM, ...proof] : proof;
  let fn = m - 1;
  let sn = n - 1;
  while (isOdd(fn)) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isOdd(fn)) [fn, sn] = alignRight(fn, sn);
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(fr, rootM) && bytesEqual(sr, rootN);
}
