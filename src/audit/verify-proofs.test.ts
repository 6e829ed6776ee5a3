import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyRoot, leafHash, nodeHash } from './hash.js';
import { verifyConsistency, verifyInclusion } from './verify-proofs.js';

const l0 = leafHash(Buffer.from('zero'));
const l1 = leafHash(Buffer.from('one'));
const root2 = nodeHash(l0, l1);

describe('verifyInclusion', () => {
  it('accepts the one-leaf tree with an empty proof and the two-leaf tree with its sibling', () => {
    assert.equal(verifyInclusion(l0, 0, 1, [], l0), true);
    assert.equal(verifyInclusion(l0, 0, 2, [l1], root2), true);
    assert.equal(verifyInclusion(l1, 1, 2, [l0], root2), true);
  });

  it('returns false for an index at or past the size, and for the empty tree', () => {
    assert.equal(verifyInclusion(l0, 1, 1, [], l0), false);
    assert.equal(verifyInclusion(l0, 0, 0, [], emptyRoot()), false);
    assert.equal(verifyInclusion(l0, 2, 2, [l1], root2), false);
  });

  it('returns false for wrong-length hashes, unsafe numbers and over-long proofs', () => {
    assert.equal(verifyInclusion(l0.subarray(1), 0, 1, [], l0), false);
    assert.equal(verifyInclusion(l0, 0, 1, [], new Uint8Array(0)), false);
    assert.equal(verifyInclusion(l0, 0, 2, [l1.subarray(0, 31)], root2), false);
    assert.equal(verifyInclusion(l0, -1, 2, [l1], root2), false);
    assert.equal(verifyInclusion(l0, 0.5, 2, [l1], root2), false);
    assert.equal(verifyInclusion(l0, 0, 2 ** 53, [l1], root2), false);
    assert.equal(verifyInclusion(l0, 0, Number.NaN, [l1], root2), false);
    assert.equal(verifyInclusion(l0, 0, 2, Array<Uint8Array>(65).fill(l1), root2), false);
  });

  it('works for sizes past 2^32 (no 32-bit truncation)', () => {
    // Leaf 2^32 alone on the right of a perfect 2^32 subtree: its path is that subtree's root.
    const left = leafHash(Buffer.from('left subtree stand-in'));
    const size = 2 ** 32 + 1;
    assert.equal(verifyInclusion(l0, 2 ** 32, size, [left], nodeHash(left, l0)), true);
    assert.equal(verifyInclusion(l0, 0, size, [left], nodeHash(left, l0)), false);
  });

  it('throws TypeError only when the caller passes the wrong types', () => {
    const bad = (f: () => unknown): void => assert.throws(f, TypeError);
    bad(() => verifyInclusion('ab' as unknown as Uint8Array, 0, 1, [], l0));
    bad(() => verifyInclusion(l0, '0' as unknown as number, 1, [], l0));
    bad(() => verifyInclusion(l0, 0, 1, null as unknown as Uint8Array[], l0));
    bad(() => verifyInclusion(l0, 0, 2, ['x'] as unknown as Uint8Array[], root2));
  });
});

describe('verifyConsistency', () => {
  it('treats size 0 as consistent with anything only when its root is the empty root', () => {
    assert.equal(verifyConsistency(0, 2, [], emptyRoot(), root2), true);
    assert.equal(verifyConsistency(0, 2, [], l0, root2), false);
    assert.equal(verifyConsistency(0, 2, [l0], emptyRoot(), root2), false);
  });

  it('equal sizes need equal roots and an empty proof', () => {
    assert.equal(verifyConsistency(2, 2, [], root2, root2), true);
    assert.equal(verifyConsistency(2, 2, [], root2, l0), false);
    assert.equal(verifyConsistency(2, 2, [l0], root2, root2), false);
  });

  it('accepts 1 → 2 with the new sibling and rejects a shrinking tree', () => {
    assert.equal(verifyConsistency(1, 2, [l1], l0, root2), true);
    assert.equal(verifyConsistency(2, 1, [l1], root2, l0), false);
    assert.equal(verifyConsistency(1, 2, [], l0, root2), false);
  });

  it('returns false for malformed values and throws TypeError for wrong types', () => {
    assert.equal(verifyConsistency(1, 2, [l1.subarray(1)], l0, root2), false);
    assert.equal(verifyConsistency(1.5, 2, [l1], l0, root2), false);
    assert.throws(
      () => verifyConsistency(1, 2, [l1], 'x' as unknown as Uint8Array, root2),
      TypeError,
    );
  });
});
