import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceError } from '../errors/index.js';
import {
  type CompactRange,
  type NodeReader,
  appendLeaf,
  compactRangeFromNodes,
  compactRangeRefs,
  emptyCompactRange,
  isCompactRange,
  rootOf,
} from './compact-range.js';
import { emptyRoot, leafHash, nodeHash, toHex } from './hash.js';
import { MemoryTree } from './memory-tree.js';

const leaf = (i: number): Uint8Array => leafHash(Buffer.from(`event ${i}`));

/** RFC 9162 §2.1.1 MTH, straight from the definition. */
function mth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return emptyRoot();
  if (leaves.length === 1) return leaves[0] as Uint8Array;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

describe('compact range appends', () => {
  it('the root after every append equals the RFC 9162 MTH of all leaves so far', () => {
    let range = emptyCompactRange();
    const leaves: Uint8Array[] = [];
    for (let i = 0; i < 70; i++) {
      assert.deepEqual(rootOf(range), mth(leaves), `size ${i}`);
      leaves.push(leaf(i));
      range = appendLeaf(range, leaf(i)).range;
    }
  });

  it('each append emits the leaf and the perfect nodes it completes, about two on average', () => {
    let range = emptyCompactRange();
    let total = 0;
    for (let i = 0; i < 1024; i++) {
      const { range: next, newNodes } = appendLeaf(range, leaf(i));
      assert.deepEqual(newNodes[0], { level: 0, index: i, hash: leaf(i) });
      // Appending leaf 7 (size 7 → 8) completes nodes (1,3), (2,1) and (3,0).
      if (i === 7) {
        assert.deepEqual(
          newNodes.map((n) => [n.level, n.index]),
          [
            [0, 7],
            [1, 3],
            [2, 1],
            [3, 0],
          ],
        );
      }
      total += newNodes.length;
      range = next;
    }
    assert.equal(total, 2047);
  });

  it('keeps one hash per set bit of the size and never mutates the input range', () => {
    let range: CompactRange = emptyCompactRange();
    for (let i = 0; i < 13; i++) range = appendLeaf(range, leaf(i)).range;
    const before = structuredClone(range);
    const after = appendLeaf(range, leaf(13)).range;
    assert.deepEqual(range, before);
    assert.equal(range.hashes.length, 3); // 13 = 0b1101
    assert.equal(after.hashes.length, 3); // 14 = 0b1110
    assert.equal(JSON.stringify(JSON.parse(JSON.stringify(after))), JSON.stringify(after));
  });

  it('rejects a leaf that is not 32 bytes and a range that does not match its size', () => {
    assert.throws(() => appendLeaf(emptyCompactRange(), new Uint8Array(31)), TypeError);
    assert.throws(() => appendLeaf({ size: 1, hashes: [] }, leaf(0)), TypeError);
    assert.throws(() => appendLeaf({ size: 1, hashes: ['zz'] }, leaf(0)), TypeError);
    assert.throws(() => rootOf({ size: -1, hashes: [] }), TypeError);
  });

  it('isCompactRange accepts stored rows and rejects malformed ones', () => {
    const good = appendLeaf(emptyCompactRange(), leaf(0)).range;
    assert.equal(isCompactRange(good), true);
    assert.equal(isCompactRange({ size: 1.5, hashes: [] }), false);
    assert.equal(isCompactRange({ size: 2, hashes: [toHex(leaf(0)), toHex(leaf(1))] }), false);
    assert.equal(isCompactRange({ size: 1, hashes: [toHex(leaf(0)).toUpperCase()] }), false);
    assert.equal(isCompactRange(null), false);
  });
});

describe('compact range from stored nodes', () => {
  it('rebuilds the exact range for every size from 0 to 300 in one read', async () => {
    const tree = new MemoryTree();
    let range = emptyCompactRange();
    for (let size = 0; size <= 300; size++) {
      let reads = 0;
      const read: NodeReader = (refs) => {
        reads++;
        return tree.read(refs);
      };
      assert.deepEqual(await compactRangeFromNodes(size, read), range);
      assert.ok(reads <= 1);
      tree.append(leaf(size));
      range = appendLeaf(range, leaf(size)).range;
    }
  });

  it('names the nodes a range is made of, largest first', () => {
    assert.deepEqual(compactRangeRefs(11), [
      { level: 3, index: 0 },
      { level: 1, index: 4 },
      { level: 0, index: 10 },
    ]);
    assert.deepEqual(compactRangeRefs(0), []);
  });

  it('fails closed with audit_unavailable when the store lacks a node', async () => {
    const tree = new MemoryTree();
    for (let i = 0; i < 4; i++) tree.append(leaf(i));
    await assert.rejects(compactRangeFromNodes(5, tree.read), (err: unknown) => {
      if (!(err instanceof ServiceError)) return false;
      assert.equal(err.code, 'audit_unavailable');
      assert.equal(err.message, 'audit node store has no valid hash for node (level 0, index 4)');
      return true;
    });
    await assert.rejects(
      compactRangeFromNodes(3, () => Promise.resolve([])),
      /returned 0 hashes for 2 nodes/,
    );
  });
});
