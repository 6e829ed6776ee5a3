import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, test } from 'node:test';
import { Buffer } from 'node:buffer';
import {
  appendSignatureLines,
  cosignedMessage,
  formatCosignerKey,
  parseCosignerKey,
  signCosignature,
  verifyCosignatures,
} from './cosignature.js';
import { formatAddCheckpoint, parseAddCheckpoint } from './witness-protocol.js';
import { checkAgainstPin } from './pin.js';
import { formatVerifierKey } from './signed-note.js';
import { MemoryTree } from './memory-tree.js';
import { leafHash } from './hash.js';
import { consistencyProof } from './proofs.js';

function cosigner(name: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(
    Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url'),
  );
  return {
    name,
    publicKey: raw,
    sign: (m: Uint8Array) => new Uint8Array(sign(null, m, privateKey)),
  };
}

const BODY = 'example.com/log\n5\n' + Buffer.alloc(32, 7).toString('base64') + '\n';
const NOTE = `${BODY}\n\u2014 example.com/log ${Buffer.alloc(68).toString('base64')}\n`;

describe('cosignature/v1', () => {
  test('a cosignature verifies with its key and carries its timestamp', async () => {
    const w = cosigner('witness.example/w1');
    const line = await signCosignature(BODY, w, 1_700_000_000);
    const check = verifyCosignatures(appendSignatureLines(NOTE, [line]), [w]);
    assert.deepEqual(
      check.valid.map((c) => [c.name, c.time, c.line]),
      [['witness.example/w1', 1_700_000_000, line]],
    );
    assert.equal(
      Buffer.from(cosignedMessage(BODY, 5)).toString(),
      `cosignature/v1\ntime 5\n${BODY}`,
    );
  });

  test('a cosignature over another body, or by another key, does not count', async () => {
    const w = cosigner('witness.example/w1');
    const other = cosigner('witness.example/w1');
    const line = await signCosignature(BODY.replace('\n5\n', '\n6\n'), w, 1);
    const check = verifyCosignatures(appendSignatureLines(NOTE, [line]), [w]);
    assert.equal(check.valid.length, 0);
    assert.equal(check.invalid.length, 1);
    const byOther = await signCosignature(BODY, other, 1);
    assert.equal(verifyCosignatures(appendSignatureLines(NOTE, [byOther]), [w]).valid.length, 0);
  });

  test('verifier keys round-trip and refuse the wrong type or ID', () => {
    const w = cosigner('witness.example/w1');
    const vkey = formatCosignerKey(w.name, w.publicKey);
    assert.match(vkey, /^witness\.example\/w1\+[0-9a-f]{8}\+B/);
    assert.deepEqual([...parseCosignerKey(vkey).publicKey], [...w.publicKey]);
    assert.throws(() => parseCosignerKey(vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+')), TypeError);
    const type1 = formatVerifierKey(w.name, w.publicKey);
    assert.throws(() => parseCosignerKey(type1), TypeError);
  });
});

describe('tlog-witness add-checkpoint bodies', () => {
  test('round-trip and strict parsing', () => {
    const proof = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
    const body = formatAddCheckpoint({ oldSize: 3, proof, note: NOTE });
    assert.ok(body.startsWith('old 3\nAQEB'));
    const parsed = parseAddCheckpoint(body);
    assert.ok(parsed.ok);
    assert.equal(parsed.oldSize, 3);
    const hex = (bs: Uint8Array[]) => bs.map((b) => Buffer.from(b).toString('hex'));
    assert.deepEqual(hex(parsed.proof), hex(proof));
    assert.equal(parsed.note, NOTE);
    for (const bad of [
      'old 03\n\n' + NOTE,
      'old 1\nAAAA\n\n' + NOTE,
      'new 1\n\n' + NOTE,
      'old 1\n',
    ]) {
      assert.equal(parseAddCheckpoint(bad).ok, false, bad);
    }
  });
});

describe('pinned checkpoints', () => {
  test('a grown tree passes; an edited, truncated or re-grown one fails', async () => {
    const t = new MemoryTree();
    for (let i = 0; i < 9; i++) t.append(leafHash(Buffer.from(`e${i}`)));
    const pin = { origin: 'o', size: 5, root: (await rootAtSize(5)).root };
    async function rootAtSize(n: number, edit = -1) {
      const m = new MemoryTree();
      for (let i = 0; i < n; i++) m.append(leafHash(Buffer.from(i === edit ? 'forged' : `e${i}`)));
      return { root: m.root(), tree: m };
    }
    const ok = checkAgainstPin(
      pin,
      { origin: 'o', size: 9, root: t.root() },
      await consistencyProof(5, 9, t.read),
    );
    assert.deepEqual(ok, { ok: true });
    const forged = await rootAtSize(9, 2);
    const edited = checkAgainstPin(
      pin,
      { origin: 'o', size: 9, root: forged.root },
      await consistencyProof(5, 9, forged.tree.read),
    );
    assert.equal(edited.ok ? 'ok' : edited.reason, 'inconsistent');
    const short = checkAgainstPin(pin, { origin: 'o', size: 4, root: t.root() }, []);
    assert.equal(short.ok ? 'ok' : short.reason, 'truncated');
    const same = checkAgainstPin(pin, { origin: 'o', size: 5, root: forged.root }, []);
    assert.equal(same.ok ? 'ok' : same.reason, 'forked');
  });
});
