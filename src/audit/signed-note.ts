/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures (type 0x01): a text ending in
 * a newline, a blank line, then lines `— <key name> <base64(key ID ‖ signature)>`.
 *
 * Note texts arrive from stores, evidence bundles and the network: attacker-controlled: parse
 * defensively. Parsing and verifying never throw for bad input; they return a reason.
 */
import { Buffer } from 'node:buffer';
import {
  createHash,
  createPublicKey,
  verify as verifySignature,
  type KeyObject,
} from 'node:crypto';

/** A trusted note key: its key name and raw 32-byte Ed25519 public key. */
export interface NoteKey {
  name: string;
  publicKey: Uint8Array;
}

/** Signs with a note key; the private key never enters this module. */
export interface NoteSigner extends NoteKey {
  sign: (message: Uint8Array) => Uint8Array | Promise<Uint8Array>;
}

export interface NoteSignature {
  name: string;
  /** The 4-byte key ID (a big-endian uint32 in the note). */
  keyId: Uint8Array;
  signature: Uint8Array;
}

export type NoteFailure = 'malformed' | 'unknown_key' | 'bad_signature';

export type ParseNoteResult =
  | { ok: true; text: string; signatures: NoteSignature[] }
  | { ok: false; reason: 'malformed'; message: string };

export type VerifyNoteResult =
  { ok: true; text: string; keyName: string } | { ok: false; reason: NoteFailure; message: string };

/** Limits well above a real checkpoint; the spec asks verifiers to accept at least 16 signatures. */
export const MAX_NOTE_LENGTH = 64 * 1024;
export const MAX_NOTE_SIGNATURES = 100;

const ED25519_TYPE = 0x01;
const ED25519_SIGNATURE_SIZE = 64;
const SIGNATURE_PREFIX = '\u2014 ';
const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Key names must not hold Unicode spaces (Go's unicode.IsSpace also counts U+0085) or plus.
const BAD_NAME_CHAR_RE = /[\s\u0085+]/u;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Valid UTF-8 (no lone surrogates) and no control characters other than newline. */
export function isNoteSafeText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return false;
  }
  return !LONE_SURROGATE_RE.test(text);
}

function isValidKeyName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !BAD_NAME_CHAR_RE.test(name) &&
    isNoteSafeText(name)
  );
}

/** Strict standard base64 (RFC 4648 §4) with padding; undefined unless canonical. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64_RE.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Non-zero padding bits decode too; only the canonical encoding is accepted.
  return bytes.toString('base64') === text ? bytes : undefined;
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

export function assertNoteKey(key: unknown, what: string): asserts key is NoteKey {
  const k = key as Partial<NoteKey> | null;
  if (typeof k !== 'object' || k === null) throw new TypeError(`${what} must be an object`);
  if (!isValidKeyName(k.name)) {
    throw new TypeError(
      `${what}.name must be non-empty with no spaces, plus signs or control characters`,
    );
  }
  if (!(k.publicKey instanceof Uint8Array) || k.publicKey.length !== 32) {
    throw new TypeError(`${what}.publicKey must be a raw 32-byte Ed25519 public key`);
  }
}

/** Key ID = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key)[:4] (signed-note §Ed25519 signatures). */
export function noteKeyId(name: string, publicKey: Uint8Array): Uint8Array {
  assertNoteKey({ name, publicKey }, 'key');
  const h = createHash('sha256')
    .update(name, 'utf8')
    .update(new Uint8Array([0x0a, ED25519_TYPE]));
  return h.update(publicKey).digest().subarray(0, 4);
}

/** The verifier key string `<name>+<hex key ID>+<base64(0x01 ‖ public key)>` for docs and config. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  const id = Buffer.from(noteKeyId(name, publicKey)).toString('hex');
  return `${name}+${id}+${encodeBase64(Buffer.concat([new Uint8Array([ED25519_TYPE]), publicKey]))}`;
}

/** Parses a verifier key string (Ed25519 only); TypeError when it is not one or its ID is wrong. */
export function parseVerifierKey(vkey: string): NoteKey {
  if (typeof vkey !== 'string') throw new TypeError('verifier key must be a string');
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  const name = vkey.slice(0, first);
  const id = vkey.slice(first + 1, second);
  const material = first < 0 || second < 0 ? undefined : decodeBase64(vkey.slice(second + 1));
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(id) || material === undefined) {
    throw new TypeError('verifier key must be <name>+<8 hex digits>+<base64 key>');
  }
  if (material.length !== 33 || material[0] !== ED25519_TYPE) {
    throw new TypeError('verifier key is not an Ed25519 (type 0x01) key');
  }
  const publicKey = material.subarray(1);
  if (Buffer.from(noteKeyId(name, publicKey)).toString('hex') !== id) {
    throw new TypeError('verifier key ID does not match its name and public key');
  }
  return { name, publicKey };
}

function malformed(message: string): { ok: false; reason: 'malformed'; message: string } {
  return { ok: false, reason: 'malformed', message };
}

function parseSignatureLine(line: string): NoteSignature | string {
  if (!line.startsWith(SIGNATURE_PREFIX)) {
    return 'signature lines must start with an em dash and a space';
  }
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = rest.slice(0, space);
  const blob = space < 0 ? undefined : decodeBase64(rest.slice(space + 1));
  if (!isValidKeyName(name)) return 'signature key name is empty or has spaces or plus signs';
  if (blob === undefined || blob.length < 5) {
    return 'signature must be the base64 of a 4-byte key ID and a signature';
  }
  return { name, keyId: blob.subarray(0, 4), signature: blob.subarray(4) };
}

/** Splits a note into its text and signatures without checking them. Never throws for bad input. */
export function parseNote(noteText: string): ParseNoteResult {
  if (typeof noteText !== 'string') throw new TypeError('noteText must be a string');
  if (noteText.length > MAX_NOTE_LENGTH) {
    return malformed(`note is longer than ${MAX_NOTE_LENGTH} characters`);
  }
  if (!isNoteSafeText(noteText)) {
    return malformed('note is not UTF-8 text free of control characters');
  }
  if (!noteText.endsWith('\n')) return malformed('note must end with a newline');
  // The text is separated from the signatures by the last blank line.
  const split = noteText.lastIndexOf('\n\n');
  if (split < 0) return malformed('note has no blank line before its signatures');
  const sigLines = noteText.slice(split + 2, -1).split('\n');
  if (sigLines.length > MAX_NOTE_SIGNATURES) {
    return malformed(`note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  }
  const signatures: NoteSignature[] = [];
  for (const line of sigLines) {
    const sig = parseSignatureLine(line);
    if (typeof sig === 'string') return malformed(sig);
    signatures.push(sig);
  }
  return { ok: true, text: noteText.slice(0, split + 1), signatures };
}

function ed25519Key(publicKey: Uint8Array): KeyObject {
  const x = Buffer.from(publicKey).toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(b);
}

/**
 * Verifies a note against trusted keys (signed-note §Signatures): signatures by unknown keys
 * (name and key ID not both matching) are ignored, a failing signature by a known key rejects the
 * note, and at least one known key must have signed.
 */
export function verifyNote(noteText: string, keys: NoteKey | readonly NoteKey[]): VerifyNoteResult {
  const trusted: readonly NoteKey[] = Array.isArray(keys) ? keys : [keys as NoteKey];
  if (trusted.length === 0) throw new TypeError('at least one trusted key is required');
  trusted.forEach((k, i) => assertNoteKey(k, `keys[${i}]`));
  const parsed = parseNote(noteText);
  if (!parsed.ok) return parsed;
  const message = Buffer.from(parsed.text, 'utf8');
  let verifiedBy: string | undefined;
  for (const sig of parsed.signatures) {
    const key = trusted.find(
      (k) => k.name === sig.name && sameBytes(noteKeyId(k.name, k.publicKey), sig.keyId),
    );
    if (key === undefined) continue;
    const good =
      sig.signature.length === ED25519_SIGNATURE_SIZE &&
      verifySignature(null, message, ed25519Key(key.publicKey), sig.signature);
    if (!good) {
      return {
        ok: false,
        reason: 'bad_signature',
        message: `signature by ${key.name} does not verify`,
      };
    }
    verifiedBy ??= key.name;
  }
  if (verifiedBy === undefined) {
    return { ok: false, reason: 'unknown_key', message: 'note has no signature by a trusted key' };
  }
  return { ok: true, text: parsed.text, keyName: verifiedBy };
}

/**
 * Signs a note text (non-empty, ending in a newline) and returns the note. The signature is checked
 * against `signer.publicKey` first, so a mismatched key pair fails here, not in a later audit.
 */
export async function signNote(text: string, signer: NoteSigner): Promise<string> {
  assertNoteKey(signer, 'signer');
  if (typeof signer.sign !== 'function') throw new TypeError('signer.sign must be a function');
  if (typeof text !== 'string' || !text.endsWith('\n') || !isNoteSafeText(text)) {
    throw new TypeError('text must end with a newline and hold no control characters');
  }
  const message = Buffer.from(text, 'utf8');
  const signature: unknown = await signer.sign(message);
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_SIZE) {
    throw new TypeError('signer.sign must return a 64-byte Ed25519 signature');
  }
  if (!verifySignature(null, message, ed25519Key(signer.publicKey), signature)) {
    throw new TypeError('signer.sign produced a signature that signer.publicKey does not verify');
  }
  const blob = Buffer.concat([noteKeyId(signer.name, signer.publicKey), signature]);
  return `${text}\n${SIGNATURE_PREFIX}${signer.name} ${blob.toString('base64')}\n`;
}
