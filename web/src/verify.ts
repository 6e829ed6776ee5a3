/**
 * In-browser verification of the audit log with WebCrypto: RFC 8785 canonical JSON of each
 * event, RFC 6962/9162 leaf and node hashes, inclusion proofs up to the root of a signed
 * checkpoint, and the checkpoint's C2SP signed-note Ed25519 signature against the JWKS key marked
 * `countersign:purpose: checkpoint`. Everything here comes from the network: parse defensively.
 */
import type { Jwk } from './types.js';

const enc = new TextEncoder();

/** RFC 8785 JCS for JSON values: sorted keys (UTF-16 order), ES number and string forms. */
export function jcs(value: unknown): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('JCS cannot encode a non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs(obj[k])}`).join(',')}}`;
  }
  throw new TypeError(`JCS cannot encode ${typeof value}`);
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    buf.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** leaf = SHA-256(0x00 ‖ JCS(event)) (RFC 6962 §2.1). */
export function leafHash(event: unknown): Promise<Uint8Array> {
  return sha256(new Uint8Array([0x00]), enc.encode(jcs(event)));
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or null when the proof is malformed. */
export async function rootFromInclusionProof(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Promise<Uint8Array | null> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    return null;
  }
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  const one = new Uint8Array([0x01]);
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(one, p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await sha256(one, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export interface ParsedCheckpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  body: string;
  signatures: { name: string; keyId: Uint8Array; signature: Uint8Array }[];
}

/** `<origin>\n<size>\n<base64 root>\n…\n\n— <name> <base64(keyId ‖ sig)>\n` */
export function parseCheckpoint(note: string): ParsedCheckpoint | null {
  const split = note.indexOf('\n\n');
  if (split < 0 || note.length > 65_536) return null;
  const body = note.slice(0, split + 1);
  const lines = body.slice(0, -1).split('\n');
  const [origin, sizeLine, rootLine] = lines;
  if (!origin || !sizeLine || !rootLine || !/^(?:0|[1-9][0-9]{0,15})$/.test(sizeLine)) return null;
  const root = fromBase64(rootLine);
  if (!root || root.length !== 32) return null;
  const signatures: ParsedCheckpoint['signatures'] = [];
  for (const line of note.slice(split + 2).split('\n')) {
    if (line === '') continue;
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    const blob = m ? fromBase64(m[2] as string) : null;
    if (!m || !blob || blob.length < 5) return null;
    signatures.push({ name: m[1] as string, keyId: blob.slice(0, 4), signature: blob.slice(4) });
  }
  return { origin, size: Number(sizeLine), root, body, signatures };
}

function b64urlToBytes(text: string): Uint8Array | null {
  return fromBase64(
    text
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(text.length / 4) * 4, '='),
  );
}

/** The checkpoint's Ed25519 signature by a JWKS key marked for checkpoints; the key's name is the origin. */
export async function verifyCheckpointSignature(
  cp: ParsedCheckpoint,
  keys: readonly Jwk[],
): Promise<{ ok: boolean; message: string }> {
  const candidates = keys.filter(
    (k) =>
      k['countersign:purpose'] === 'checkpoint' && k.kty === 'OKP' && k.crv === 'Ed25519' && k.x,
  );
  if (candidates.length === 0) return { ok: false, message: 'the JWKS has no checkpoint key' };
  for (const sig of cp.signatures.filter((s) => s.name === cp.origin)) {
    for (const jwk of candidates) {
      const pub = b64urlToBytes(jwk.x as string);
      if (!pub || pub.length !== 32) continue;
      const id = (await sha256(enc.encode(cp.origin), new Uint8Array([0x0a, 0x01]), pub)).slice(
        0,
        4,
      );
      if (!equal(id, sig.keyId)) continue;
      let key: CryptoKey;
      try {
        key = await crypto.subtle.importKey(
          'jwk',
          { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string },
          { name: 'Ed25519' },
          false,
          ['verify'],
        );
      } catch {
        return { ok: false, message: 'this browser cannot verify Ed25519 signatures' };
      }
      const good = await crypto.subtle.verify(
        'Ed25519',
        key,
        new Uint8Array(sig.signature),
        enc.encode(cp.body),
      );
      return good
        ? { ok: true, message: `signature valid (checkpoint key ${jwk.kid ?? toHex(id)})` }
        : { ok: false, message: 'the checkpoint signature does not verify' };
    }
  }
  return { ok: false, message: 'no signature by a known checkpoint key' };
}

export { equal as bytesEqual, fromBase64 };
