/**
 * Published RFC 6962/9162 Merkle vectors (transparency-dev/merkle), a real Rekor inclusion proof,
 * and C2SP signed-note vectors (golang.org/x/mod sumdb/note, a sum.golang.org checkpoint), all
 * stored as data in rfc6962-merkle.json.
 */
import * as assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { repoPath } from '../helpers/paths.js';
import { describe, it } from 'node:test';
import {
  MemoryTree,
  appendLeaf,
  consistencyProof,
  emptyCompactRange,
  emptyRoot,
  formatCheckpointBody,
  formatVerifierKey,
  inclusionProof,
  leafHash,
  nodeHash,
  parseVerifierKey,
  rootAt,
  rootOf,
  signNote,
  toHex,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
  verifyNote,
  type CompactRange,
} from '../../src/audit/index.js';

interface Vectors {
  hasher: {
    emptyRoot: string;
    emptyLeafHash: string;
    leaves: { inputUtf8: string; hash: string }[];
    nodes: { leftUtf8: string; rightUtf8: string; hash: string }[];
  };
  tree: {
    leafInputs: string[];
    rootsBySize: string[];
    nodeHashesByLevel: string[][];
    compactRangeNodesBySize: [number, number][][];
    inclusionProofs: { index: number; size: number; proof: string[] }[];
    consistencyProofs: { m: number; n: number; proof: string[] }[];
  };
  realLogInclusion: {
    leafInputBase64: string;
    index: number;
    size: number;
    root: string;
    proof: string[];
  };
  signedNotes: {
    goExample: { verifierKey: string; signerKey: string; text: string; note: string };
    realLogCheckpoint: {
      verifierKey: string;
      origin: string;
      size: number;
      rootBase64: string;
      note: string;
    };
  };
}

const V = JSON.parse(
  readFileSync(repoPath('test', 'vectors', 'rfc6962-merkle.json'), 'utf8'),
) as Vectors;
const hex = (h: string): Uint8Array => Buffer.from(h, 'hex');
const hexes = (hs: readonly string[]): Uint8Array[] => hs.map(hex);
const leafHashes = V.tree.leafInputs.map((h) => leafHash(hex(h)));

function vectorTree(): MemoryTree {
  const tree = new MemoryTree();
  for (const l of leafHashes) tree.append(l);
  return tree;
}

function flipBit(bytes: Uint8Array, bit = 3): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[0] = (out[0] as number) ^ (1 << bit);
  return out;
}

describe('RFC 6962 hasher vectors', () => {
  it('hashes the empty tree, the empty leaf, a leaf and a node as published', () => {
    assert.equal(toHex(emptyRoot()), V.hasher.emptyRoot);
    assert.equal(toHex(leafHash(new Uint8Array())), V.hasher.emptyLeafHash);
    for (const l of V.hasher.leaves) {
      assert.equal(toHex(leafHash(Buffer.from(l.inputUtf8))), l.hash);
    }
    for (const n of V.hasher.nodes) {
      assert.equal(toHex(nodeHash(Buffer.from(n.leftUtf8), Buffer.from(n.rightUtf8))), n.hash);
    }
  });
});

describe('RFC 6962 tree vectors', () => {
  it('appending the eight leaves gives the published root at every size 0–8', () => {
    let range: CompactRange = emptyCompactRange();
    assert.equal(toHex(rootOf(range)), V.tree.rootsBySize[0]);
    for (const [i, leaf] of leafHashes.entries()) {
      range = appendLeaf(range, leaf).range;
      assert.equal(toHex(rootOf(range)), V.tree.rootsBySize[i + 1], `size ${i + 1}`);
    }
  });

  it('appends emit exactly the published perfect-subtree nodes', () => {
    let range: CompactRange = emptyCompactRange();
    const emitted: string[][] = [];
    for (const leaf of leafHashes) {
      const r = appendLeaf(range, leaf);
      range = r.range;
      for (const n of r.newNodes) (emitted[n.level] ??= [])[n.index] = toHex(n.hash);
    }
    assert.deepEqual(emitted, V.tree.nodeHashesByLevel);
  });

  it('the compact range at every size holds the published nodes, largest first', () => {
    let range: CompactRange = emptyCompactRange();
    for (let size = 0; size <= leafHashes.length; size++) {
      const want = (V.tree.compactRangeNodesBySize[size] ?? []).map(
        ([level, index]) => V.tree.nodeHashesByLevel[level]?.[index],
      );
      assert.deepEqual(range.hashes, want, `size ${size}`);
      const next = leafHashes[size];
      if (next) range = appendLeaf(range, next).range;
    }
  });

  it('rootAt rebuilds every published root from stored nodes', async () => {
    const tree = vectorTree();
    for (let size = 0; size <= 8; size++) {
      assert.equal(toHex(await rootAt(size, tree.read)), V.tree.rootsBySize[size]);
    }
  });

  for (const v of V.tree.inclusionProofs) {
    it(`inclusion proof for leaf ${v.index} in size ${v.size} matches, verifies, and rejects tampering`, async () => {
      const tree = vectorTree();
      const root = hex(V.tree.rootsBySize[v.size] as string);
      const leaf = leafHashes[v.index] as Uint8Array;
      const proof = hexes(v.proof);
      assert.deepEqual((await inclusionProof(v.index, v.size, tree.read)).map(toHex), v.proof);
      assert.equal(verifyInclusion(leaf, v.index, v.size, proof, root), true);

      const wrong: [string, boolean][] = [
        ['index + 1', verifyInclusion(leaf, v.index + 1, v.size, proof, root)],
        ['size * 2', verifyInclusion(leaf, v.index, v.size * 2, proof, root)],
        ['wrong leaf', verifyInclusion(flipBit(leaf), v.index, v.size, proof, root)],
        ['empty root', verifyInclusion(leaf, v.index, v.size, proof, emptyRoot())],
        ['trailing root', verifyInclusion(leaf, v.index, v.size, [...proof, root], root)],
        ['preceding root', verifyInclusion(leaf, v.index, v.size, [root, ...proof], root)],
        [
          'trailing empty',
          verifyInclusion(leaf, v.index, v.size, [...proof, new Uint8Array()], root),
        ],
      ];
      if (v.index > 0)
        wrong.push(['index - 1', verifyInclusion(leaf, v.index - 1, v.size, proof, root)]);
      if (proof.length > 0) {
        wrong.push([
          'removed node',
          verifyInclusion(leaf, v.index, v.size, proof.slice(0, -1), root),
        ]);
      }
      for (let i = 0; i < proof.length; i++) {
        const bad = proof.slice();
        bad[i] = flipBit(proof[i] as Uint8Array);
        wrong.push([`proof[${i}] bit 3`, verifyInclusion(leaf, v.index, v.size, bad, root)]);
      }
      assert.deepEqual(
        wrong.filter(([, ok]) => ok).map(([name]) => name),
        [],
      );
    });
  }

  for (const v of V.tree.consistencyProofs) {
    it(`consistency proof ${v.m} → ${v.n} matches, verifies, and rejects tampering`, async () => {
      const tree = vectorTree();
      const rootM = hex(V.tree.rootsBySize[v.m] as string);
      const rootN = hex(V.tree.rootsBySize[v.n] as string);
      const proof = hexes(v.proof);
      assert.deepEqual((await consistencyProof(v.m, v.n, tree.read)).map(toHex), v.proof);
      assert.equal(verifyConsistency(v.m, v.n, proof, rootM, rootN), true);
      if (proof.length === 0) return;
      const wrong: [string, boolean][] = [
        ['m - 1', verifyConsistency(v.m - 1, v.n, proof, rootM, rootN)],
        ['m + 1', verifyConsistency(v.m + 1, v.n, proof, rootM, rootN)],
        ['n * 2', verifyConsistency(v.m, v.n * 2, proof, rootM, rootN)],
        ['swapped roots', verifyConsistency(v.m, v.n, proof, rootN, rootM)],
        ['empty proof', verifyConsistency(v.m, v.n, [], rootM, rootN)],
        ['truncated', verifyConsistency(v.m, v.n, proof.slice(0, -1), rootM, rootN)],
        ['trailing rootN', verifyConsistency(v.m, v.n, [...proof, rootN], rootM, rootN)],
        ['preceding rootM', verifyConsistency(v.m, v.n, [rootM, ...proof], rootM, rootN)],
      ];
      for (let i = 0; i < proof.length; i++) {
        const bad = proof.slice();
        bad[i] = flipBit(proof[i] as Uint8Array, 4);
        wrong.push([`proof[${i}] bit 4`, verifyConsistency(v.m, v.n, bad, rootM, rootN)]);
      }
      assert.deepEqual(
        wrong.filter(([, ok]) => ok).map(([name]) => name),
        [],
      );
    });
  }
});

describe('a real log inclusion proof (Rekor)', () => {
  const r = V.realLogInclusion;
  const leaf = leafHash(Buffer.from(r.leafInputBase64, 'base64'));

  it('verifies at index 21428034 in a tree of 21476367 leaves', () => {
    assert.equal(verifyInclusion(leaf, r.index, r.size, hexes(r.proof), hex(r.root)), true);
  });

  it('fails with any proof node, the leaf, or the index changed', () => {
    const proof = hexes(r.proof);
    for (let i = 0; i < proof.length; i++) {
      const bad = proof.slice();
      bad[i] = flipBit(proof[i] as Uint8Array, i % 8);
      assert.equal(verifyInclusion(leaf, r.index, r.size, bad, hex(r.root)), false, `node ${i}`);
    }
    assert.equal(verifyInclusion(flipBit(leaf), r.index, r.size, proof, hex(r.root)), false);
    assert.equal(verifyInclusion(leaf, r.index + 1, r.size, proof, hex(r.root)), false);
  });
});

describe('C2SP signed-note vectors', () => {
  const go = V.signedNotes.goExample;

  it('derives the published verifier key and key ID from the Go example key', () => {
    const key = parseVerifierKey(go.verifierKey);
    assert.equal(key.name, 'PeterNeumann');
    assert.equal(formatVerifierKey(key.name, key.publicKey), go.verifierKey);
  });

  it('signing the Go example text reproduces the published note byte for byte', async () => {
    const seed = Buffer.from(go.signerKey.split('+').slice(4).join('+'), 'base64').subarray(1);
    const privateKey = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const key = parseVerifierKey(go.verifierKey);
    const note = await signNote(go.text, { ...key, sign: (m) => sign(null, m, privateKey) });
    assert.equal(note, go.note);
  });

  it('verifies the Go example note and rejects it with one character changed', () => {
    const key = parseVerifierKey(go.verifierKey);
    assert.deepEqual(verifyNote(go.note, key), {
      ok: true,
      text: go.text,
      keyName: 'PeterNeumann',
    });
    const changed = go.note.replace('cryptography', 'cryptographY');
    assert.equal(verifyNote(changed, key).ok, false);
  });

  it('verifies a real sum.golang.org checkpoint and reads its tree head', () => {
    const cp = V.signedNotes.realLogCheckpoint;
    const result = verifyCheckpoint(cp.note, parseVerifierKey(cp.verifierKey), {
      origin: cp.origin,
    });
    if (!result.ok) return assert.fail(result.message);
    assert.equal(result.checkpoint.size, cp.size);
    assert.equal(Buffer.from(result.checkpoint.root).toString('base64'), cp.rootBase64);
    assert.equal(cp.note.startsWith(formatCheckpointBody(result.checkpoint)), true);
  });

  it('rejects the sum.golang.org checkpoint with its size or signature altered', () => {
    const cp = V.signedNotes.realLogCheckpoint;
    const key = parseVerifierKey(cp.verifierKey);
    const bumped = cp.note.replace(`\n${cp.size}\n`, `\n${cp.size + 1}\n`);
    assert.deepEqual(verifyCheckpoint(bumped, key), {
      ok: false,
      reason: 'bad_signature',
      message: 'signature by sum.golang.org does not verify',
    });
    const sigAt = cp.note.lastIndexOf(' ') + 10;
    const c = cp.note[sigAt] === 'A' ? 'B' : 'A';
    const forged = cp.note.slice(0, sigAt) + c + cp.note.slice(sigAt + 1);
    assert.equal(verifyCheckpoint(forged, key).ok, false);
  });
});
