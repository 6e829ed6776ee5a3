import * as assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type CheckpointSigner,
  formatCheckpointBody,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
import { leafHash } from './hash.js';
import { formatVerifierKey, noteKeyId, parseVerifierKey } from './signed-note.js';

function newSigner(name: string): CheckpointSigner & { privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x as string;
  return {
    name,
    publicKey: Buffer.from(x, 'base64url'),
    privateKey,
    sign: (m) => sign(null, m, privateKey),
  };
}

const signer = newSigner('audit.example/countersign');
const other = newSigner('audit.example/countersign');
const root = leafHash(Buffer.from('root'));
const rootB64 = Buffer.from(root).toString('base64');
const checkpoint = { origin: 'audit.example/countersign', size: 42, root };

async function note(cp = checkpoint, s: CheckpointSigner = signer): Promise<string> {
  return signCheckpoint(formatCheckpointBody(cp), s);
}

describe('checkpoint format', () => {
  it('formats the body as origin, decimal size and base64 root, one per line', () => {
    assert.equal(formatCheckpointBody(checkpoint), `audit.example/countersign\n42\n${rootB64}\n`);
    assert.equal(formatCheckpointBody({ ...checkpoint, size: 0 }).split('\n')[1], '0');
  });

  it('signs into a note whose signature line is the key name and base64(key ID ‖ signature)', async () => {
    const text = await note();
    const [body, sigLine] = text.split('\n\n') as [string, string];
    assert.equal(`${body}\n`, formatCheckpointBody(checkpoint));
    assert.match(sigLine, /^— audit\.example\/countersign [A-Za-z0-9+/]{91}=\n$/);
    const blob = Buffer.from(sigLine.split(' ')[2] as string, 'base64');
    assert.equal(blob.length, 68);
    assert.deepEqual(blob.subarray(0, 4), Buffer.from(noteKeyId(signer.name, signer.publicKey)));
  });

  it('refuses to format or sign anything that is not a checkpoint', async () => {
    assert.throws(() => formatCheckpointBody({ ...checkpoint, origin: '' }), TypeError);
    assert.throws(() => formatCheckpointBody({ ...checkpoint, origin: 'a\nb' }), TypeError);
    assert.throws(() => formatCheckpointBody({ ...checkpoint, size: -1 }), TypeError);
    assert.throws(() => formatCheckpointBody({ ...checkpoint, root: root.subarray(1) }), TypeError);
    await assert.rejects(signCheckpoint('hello\n', signer), TypeError);
    await assert.rejects(
      signCheckpoint(formatCheckpointBody(checkpoint), { ...signer, name: 'a b' }),
      TypeError,
    );
  });

  it('refuses to sign when the signer key pair does not match', async () => {
    await assert.rejects(
      signCheckpoint(formatCheckpointBody(checkpoint), { ...signer, sign: other.sign }),
      {
        name: 'TypeError',
        message: 'signer.sign produced a signature that signer.publicKey does not verify',
      },
    );
  });

  it('prints a verifier key that parses back to the same key', () => {
    const vkey = formatVerifierKey(signer.name, signer.publicKey);
    assert.match(vkey, /^audit\.example\/countersign\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
    assert.deepEqual(parseVerifierKey(vkey), { name: signer.name, publicKey: signer.publicKey });
    assert.throws(() => parseVerifierKey(vkey.replace('+', '+0')), TypeError);
  });
});

describe('verifyCheckpoint', () => {
  it('accepts a note signed by the trusted key and returns its tree head', async () => {
    const result = verifyCheckpoint(await note(), signer, { origin: checkpoint.origin });
    assert.deepEqual(result, { ok: true, checkpoint, keyName: signer.name });
  });

  it('ignores signatures by unknown keys but needs one by a trusted key', async () => {
    const text = await note();
    const cosigned = `${text}${(await note(checkpoint, newSigner('witness.example'))).split('\n\n')[1]}`;
    assert.equal(verifyCheckpoint(cosigned, signer).ok, true);
    assert.deepEqual(verifyCheckpoint(text, other), {
      ok: false,
      reason: 'unknown_key',
      message: 'note has no signature by a trusted key',
    });
    assert.equal(verifyCheckpoint(text, [other, signer]).ok, true);
  });

  it('rejects a note whose trusted-key signature fails even when another one verifies', async () => {
    const text = await note();
    const sig = text.split('\n\n')[1] as string;
    const at = sig.lastIndexOf(' ') + 11;
    const broken = `${sig.slice(0, at)}${sig[at] === 'A' ? 'B' : 'A'}${sig.slice(at + 1)}`;
    assert.equal(verifyCheckpoint(`${text}${sig}`, signer).ok, true);
    assert.deepEqual(verifyCheckpoint(`${text}${broken}`, signer), {
      ok: false,
      reason: 'bad_signature',
      message: 'signature by audit.example/countersign does not verify',
    });
  });

  it('rejects the right origin signed by the right key when a different origin is expected', async () => {
    assert.deepEqual(verifyCheckpoint(await note(), signer, { origin: 'elsewhere' }), {
      ok: false,
      reason: 'origin_mismatch',
      message: 'checkpoint origin is not "elsewhere"',
    });
  });

  it('any single flipped bit anywhere in the note text is detected', async () => {
    const bytes = Buffer.from(await note(), 'utf8');
    await fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length * 8 - 1 }), (bit) => {
        const copy = Buffer.from(bytes);
        copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
        assert.equal(verifyCheckpoint(copy.toString('utf8'), signer).ok, false);
      }),
      { numRuns: 400 },
    );
  });

  it('any single flipped bit in the signature bytes is detected', async () => {
    const text = await note();
    const [body, sigLine] = text.split('\n\n') as [string, string];
    const b64 = sigLine.slice(sigLine.lastIndexOf(' ') + 1, -1);
    const blob = Buffer.from(b64, 'base64');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: blob.length * 8 - 1 }), (bit) => {
        const copy = Buffer.from(blob);
        copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
        const forged = `${body}\n\n— ${signer.name} ${copy.toString('base64')}\n`;
        assert.equal(verifyCheckpoint(forged, signer).ok, false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseCheckpoint (attacker-controlled input)', () => {
  const sig = `— k ${Buffer.alloc(68).toString('base64')}\n`;
  const cases: [string, string, string][] = [
    [
      'leading zero in size',
      `o\n042\n${rootB64}\n\n${sig}`,
      'tree size must be a decimal number without leading zeros',
    ],
    [
      'signed size',
      `o\n+42\n${rootB64}\n\n${sig}`,
      'tree size must be a decimal number without leading zeros',
    ],
    [
      'size past 2^53',
      `o\n9007199254740993\n${rootB64}\n\n${sig}`,
      'tree size must be a decimal number without leading zeros',
    ],
    [
      'root of 31 bytes',
      `o\n1\n${Buffer.alloc(31).toString('base64')}\n\n${sig}`,
      'root hash must be the base64 of 32 bytes',
    ],
    [
      'root in url-safe base64',
      `o\n1\n${Buffer.alloc(32, 0xfb).toString('base64url')}=\n\n${sig}`,
      'root hash must be the base64 of 32 bytes',
    ],
    ['two-line body', `o\n1\n\n${sig}`, 'checkpoint body must be at least three non-empty lines'],
    [
      'empty extension line',
      `o\n1\n${rootB64}\n\nx\n\n${sig}`,
      'checkpoint body must be at least three non-empty lines',
    ],
    ['no blank line', `o\n1\n${rootB64}\n${sig}`, 'note has no blank line before its signatures'],
    ['no final newline', `o\n1\n${rootB64}\n\n${sig.slice(0, -1)}`, 'note must end with a newline'],
    [
      'carriage return',
      `o\r\n1\n${rootB64}\n\n${sig}`,
      'note is not UTF-8 text free of control characters',
    ],
    [
      'hyphen for em dash',
      `o\n1\n${rootB64}\n\n- k AAAA\n`,
      'signature lines must start with an em dash and a space',
    ],
    [
      'plus in key name',
      `o\n1\n${rootB64}\n\n— a+b ${Buffer.alloc(68).toString('base64')}\n`,
      'signature key name is empty or has spaces or plus signs',
    ],
    [
      'two spaces',
      `o\n1\n${rootB64}\n\n— k  ${Buffer.alloc(68).toString('base64')}\n`,
      'signature must be the base64 of a 4-byte key ID and a signature',
    ],
    [
      'short signature blob',
      `o\n1\n${rootB64}\n\n— k AAAA\n`,
      'signature must be the base64 of a 4-byte key ID and a signature',
    ],
    [
      'no signature lines',
      `o\n1\n${rootB64}\n\n\n`,
      'signature lines must start with an em dash and a space',
    ],
    [
      'oversized note',
      `o\n1\n${rootB64}\n${'x\n'.repeat(40000)}\n${sig}`,
      'note is longer than 65536 characters',
    ],
  ];
  for (const [name, text, message] of cases) {
    it(`rejects ${name} as malformed`, () => {
      assert.deepEqual(parseCheckpoint(text), { ok: false, reason: 'malformed', message });
    });
  }

  it('parses extension lines and several signatures', () => {
    const parsed = parseCheckpoint(`o\n7\n${rootB64}\next\n\n${sig}${sig}`);
    if (!parsed.ok) return assert.fail(parsed.message);
    assert.deepEqual(parsed.extensions, ['ext']);
    assert.equal(parsed.signatures.length, 2);
    assert.equal(parsed.checkpoint.size, 7);
  });

  it('rejects more than 100 signatures', () => {
    const parsed = parseCheckpoint(`o\n7\n${rootB64}\n\n${sig.repeat(101)}`);
    assert.deepEqual(parsed, {
      ok: false,
      reason: 'malformed',
      message: 'note has more than 100 signatures',
    });
  });
});
