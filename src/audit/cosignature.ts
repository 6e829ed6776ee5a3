/**
 * Witness cosignatures (c2sp.org/tlog-cosignature, `cosignature/v1`, Ed25519): a signed-note
 * signature line whose key ID uses signature type 0x04 and whose signature is a big-endian u64
 * POSIX timestamp followed by an Ed25519 signature over
 *
 *   cosignature/v1\ntime <timestamp>\n<checkpoint body>
 *
 * Cosignature lines arrive from witnesses and evidence bundles: parse defensively; nothing here
 * throws for bad input.
 */
import { Buffer } from 'node:buffer';
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import {
  type NoteKey,
  type NoteSigner,
  assertNoteKey,
  decodeBase64,
  encodeBase64,
  parseNote,
} from './signed-note.js';

/** Signature type of Ed25519 cosignature/v1 keys in key IDs and verifier keys. */
export const COSIGNATURE_V1_TYPE = 0x04;
const SIGNATURE_PREFIX = '\u2014 ';
const MAX_TIMESTAMP = 2n ** 63n - 1n;

/** A cosignature that verified: who made it and when (POSIX seconds). */
export interface Cosignature {
  name: string;
  time: number;
  /** The signature line, `— <name> <base64>` without its newline. */
  line: string;
}

/** Key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]. */
export function cosignerKeyId(name: string, publicKey: Uint8Array): Uint8Array {
  assertNoteKey({ name, publicKey }, 'cosigner key');
  return createHash('sha256')
    .update(name, 'utf8')
    .update(new Uint8Array([0x0a, COSIGNATURE_V1_TYPE]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

/** `<name>+<hex key ID>+<base64(0x04 ‖ public key)>`: a witness's verifier key for config. */
export function formatCosignerKey(name: string, publicKey: Uint8Array): string {
  const id = Buffer.from(cosignerKeyId(name, publicKey)).toString('hex');
  const material = Buffer.concat([new Uint8Array([COSIGNATURE_V1_TYPE]), publicKey]);
  return `${name}+${id}+${encodeBase64(material)}`;
}

/** Parses a cosigner verifier key (type 0x04); TypeError when it is not one or its ID is wrong. */
export function parseCosignerKey(vkey: string): NoteKey {
  if (typeof vkey !== 'string') throw new TypeError('witness key must be a string');
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  const material = first < 0 || second < 0 ? undefined : decodeBase64(vkey.slice(second + 1));
  const name = vkey.slice(0, first);
  const id = vkey.slice(first + 1, second);
  if (first <= 0 || !/^[0-9a-f]{8}$/.test(id) || material === undefined) {
    throw new TypeError('witness key must be <name>+<8 hex digits>+<base64 key>');
  }
  if (material.length !== 33 || material[0] !== COSIGNATURE_V1_TYPE) {
    throw new TypeError('witness key is not an Ed25519 cosignature/v1 (type 0x04) key');
  }
  const publicKey = new Uint8Array(material.subarray(1));
  if (Buffer.from(cosignerKeyId(name, publicKey)).toString('hex') !== id) {
    throw new TypeError('witness key ID does not match its name and public key');
  }
  return { name, publicKey };
}

/** The message a cosigner signs: `cosignature/v1\ntime <t>\n` and the checkpoint body. */
export function cosignedMessage(body: string, time: number): Uint8Array {
  return Buffer.from(`cosignature/v1\ntime ${time}\n${body}`, 'utf8');
}

function assertTime(time: number): void {
  if (!Number.isSafeInteger(time) || time < 0) {
    throw new TypeError('time must be a non-negative integer (POSIX seconds)');
  }
}

/** Cosigns a checkpoint body at `time`; returns the signature line (without newline). */
export async function signCosignature(
  body: string,
  signer: NoteSigner,
  time: number,
): Promise<string> {
  assertNoteKey(signer, 'signer');
  assertTime(time);
  if (typeof body !== 'string' || !body.endsWith('\n')) {
    throw new TypeError('body must be a checkpoint body ending in a newline');
  }
  const signature = await signer.sign(cosignedMessage(body, time));
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new TypeError('signer.sign must return a 64-byte Ed25519 signature');
  }
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64BE(BigInt(time));
  const blob = Buffer.concat([cosignerKeyId(signer.name, signer.publicKey), stamp, signature]);
  return `${SIGNATURE_PREFIX}${signer.name} ${blob.toString('base64')}`;
}

function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  const x = Buffer.from(publicKey).toString('base64url');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  return verifySignature(null, message, key, sig);
}

export interface CosignatureCheck {
  /** One per trusted witness whose cosignature verified (first one wins). */
  valid: Cosignature[];
  /** Lines by a trusted witness key that do not verify. */
  invalid: { name: string; line: string }[];
}

/**
 * Checks the cosignatures in a note (or in a checkpoint body plus extra signature lines) against
 * trusted witness keys. Signatures by other keys are ignored (signed-note rules).
 */
export function verifyCosignatures(
  noteText: string,
  witnesses: readonly NoteKey[],
): CosignatureCheck {
  const out: CosignatureCheck = { valid: [], invalid: [] };
  const parsed = typeof noteText === 'string' ? parseNote(noteText) : undefined;
  if (!parsed?.ok) return out;
  const trusted = witnesses.map((w) => ({ key: w, id: cosignerKeyId(w.name, w.publicKey) }));
  for (const sig of parsed.signatures) {
    const t = trusted.find(
      (k) => k.key.name === sig.name && Buffer.from(k.id).equals(Buffer.from(sig.keyId)),
    );
    if (t === undefined) continue;
    const line = `${SIGNATURE_PREFIX}${sig.name} ${encodeBase64(Buffer.concat([sig.keyId, sig.signature]))}`;
    if (sig.signature.length !== 72) {
      out.invalid.push({ name: sig.name, line });
      continue;
    }
    const stamp = Buffer.from(sig.signature.subarray(0, 8)).readBigUInt64BE();
    const time = Number(stamp);
    const ok =
      stamp <= MAX_TIMESTAMP &&
      Number.isSafeInteger(time) &&
      ed25519Verify(t.key.publicKey, cosignedMessage(parsed.text, time), sig.signature.subarray(8));
    if (!ok) out.invalid.push({ name: sig.name, line });
    else if (!out.valid.some((v) => v.name === sig.name))
      out.valid.push({ name: sig.name, time, line });
  }
  return out;
}

/** The note with extra signature lines appended (each `— …`, no newline). */
export function appendSignatureLines(note: string, lines: readonly string[]): string {
  return lines.length === 0 ? note : `${note}${lines.map((l) => `${l}\n`).join('')}`;
}
