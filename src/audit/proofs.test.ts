import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { NodeReader } from './compact-range.js';
import { emptyRoot, leafHash, nodeHash, toHex } from './hash.js';
import { MemoryTree } from './memory-tree.js';
import { consistencyProof, inclusionProof, inclusionProofRefs, rootAt } from './proofs.js';
import { verifyConsistency, verifyInclusion } from './verify-proofs.js';

const leaf = (i: number): Uint8Array => leafHash(Buffer.from(`event ${i}`));

const MAX = 3000;
const built = ((): { tree: MemoryTree; roots: Uint8Array[] } => {
  const tree = new MemoryTree();
  const roots = [tree.root()];
  for (let i = 0; i < MAX; i++) {
    tree.append(leaf(i));
    roots.push(tree.root());
  }
  return { tree, roots };
})();

/**
 * A tree of any size up to MAX: stored perfect nodes never change as a tree grows, so every
 * smaller tree is a prefix of one big tree and its proofs read only nodes inside that prefix.
 */
function treeOf(size: number): { tree: MemoryTree; roots: Uint8Array[] } {
  assert.ok(size <= MAX);
  return built;
}

/** RFC 9162 §2.1.1 MTH, PATH and PROOF straight from the definitions, over all leaves. */
function mth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return emptyRoot();
  if (d.length === 1) return d[0] as Uint8Array;
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return nodeHash(mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m < k
    ? [...path(m, d.slice(0, k)), mth(d.slice(k))]
    : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function subproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m <= k
    ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const at = Math.floor(bit / 8) % out.length;
  out[at] = (out[at] as number) ^ (1 << (bit % 8));
  return out;
}

describe('proofs from stored perfect subtrees', () => {
  it('match the RFC 9162 PATH and SUBPROOF definitions for every index and size up to 40', async () => {
    const { tree } = treeOf(40);
    const leaves = Array.from({ length: 40 }, (_, i) => leaf(i));
    for (let n = 1; n <= 40; n++) {
      const d = leaves.slice(0, n);
      assert.equal(toHex(await rootAt(n, tree.read)), toHex(mth(d)));
      for (let m = 0; m < n; m++) {
        const incl = await inclusionProof(m, n, tree.read);
        assert.deepEqual(incl.map(toHex), path(m, d).map(toHex), `PATH(${m}, ${n})`);
        const want = m === 0 ? [] : subproof(m, d, true);
        const cons = await consistencyProof(m, n, tree.read);
        assert.deepEqual(cons.map(toHex), want.map(toHex), `PROOF(${m}, ${n})`);
      }
    }
  });

  it('read the store once per proof, touching O(log n) nodes', async () => {
    const { tree } = treeOf(1000);
    const calls: number[] = [];
    const read: NodeReader = (refs) => {
      calls.push(refs.length);
      return tree.read(refs);
    };
    await inclusionProof(998, 999, read);
    await consistencyProof(300, 999, read);
    await rootAt(999, read);
    assert.equal(calls.length, 3);
    for (const n of calls) assert.ok(n <= 2 * Math.ceil(Math.log2(1000)), `${n} nodes`);
    assert.ok(inclusionProofRefs(998, 999).length <= 20);
  });

  it('ask nothing of the store for proofs that need no nodes', async () => {
    const read: NodeReader = () => Promise.reject(new Error('no read expected'));
    assert.deepEqual(await consistencyProof(0, 5, read), []);
    assert.deepEqual(await consistencyProof(5, 5, read), []);
    assert.deepEqual(await rootAt(0, read), emptyRoot());
  });

  it('reject out-of-range arguments as caller misuse', async () => {
    const { tree } = treeOf(4);
    await assert.rejects(inclusionProof(4, 4, tree.read), TypeError);
    await assert.rejects(inclusionProof(-1, 4, tree.read), TypeError);
    await assert.rejects(inclusionProof(0.5, 4, tree.read), TypeError);
    await assert.rejects(consistencyProof(5, 4, tree.read), TypeError);
    await assert.rejects(rootAt(Number.NaN, tree.read), TypeError);
  });
});

describe('proof properties (fast-check)', () => {
  it('every inclusion and consistency proof of a random tree verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3000 }), async (size) => {
        const { tree, roots } = treeOf(size);
        const root = roots[size] as Uint8Array;
        for (let i = 0; i < size; i++) {
          const proof = await inclusionProof(i, size, tree.read);
          assert.ok(verifyInclusion(leaf(i), i, size, proof, root), `inclusion ${i}/${size}`);
        }
        for (let m = 0; m <= size; m++) {
          const proof = await consistencyProof(m, size, tree.read);
          assert.ok(
            verifyConsistency(m, size, proof, roots[m] as Uint8Array, root),
            `consistency ${m}→${size}`,
          );
        }
      }),
      { numRuns: 10 },
    );
  });

  it('any single flipped bit in the leaf, a proof node or the root fails inclusion', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 2, max: 3000 })
          .chain((size) =>
            fc.tuple(
              fc.constant(size),
              fc.integer({ min: 0, max: size - 1 }),
              fc.constantFrom('leaf', 'proof', 'root'),
              fc.nat(),
              fc.integer({ min: 0, max: 255 }),
            ),
          ),
        async ([size, index, where, pick, bit]) => {
          const { tree, roots } = treeOf(size);
          const root = roots[size] as Uint8Array;
          let proof = await inclusionProof(index, size, tree.read);
          let l = leaf(index);
          let r = root;
          if (where === 'leaf') l = flip(l, bit);
          if (where === 'root') r = flip(r, bit);
          if (where === 'proof') {
            proof = proof.slice();
            const at = pick % proof.length;
            proof[at] = flip(proof[at] as Uint8Array, bit);
          }
          assert.equal(verifyInclusion(l, index, size, proof, r), false);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('any single flipped bit in a proof node or either root fails consistency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 2, max: 3000 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.integer({ min: 1, max: n - 1 }),
              fc.constantFrom('proof', 'rootM', 'rootN'),
              fc.nat(),
              fc.integer({ min: 0, max: 255 }),
            ),
          ),
        async ([n, m, where, pick, bit]) => {
          const { tree, roots } = treeOf(n);
          let proof = await consistencyProof(m, n, tree.read);
          let rootM = roots[m] as Uint8Array;
          let rootN = roots[n] as Uint8Array;
          if (where === 'rootM') rootM = flip(rootM, bit);
          if (where === 'rootN') rootN = flip(rootN, bit);
          if (where === 'proof') {
            proof = proof.slice();
            const at = pick % proof.length;
            proof[at] = flip(proof[at] as Uint8Array, bit);
          }
          assert.equal(verifyConsistency(m, n, proof, rootM, rootN), false);
        },
      ),
      { numRuns: 150 },
    );
  });
});
