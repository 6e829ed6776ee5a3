import * as crypto from 'node:crypto';
import canonicalize from 'canonicalize';

// crypto.hash (Node ≥ 20.12) hashes in one call without a Hash object: a third of the cost of
// createHash().update().digest() for the short inputs hashed on every request (keys, actions).
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** RFC 8785 JSON Canonicalization Scheme. Throws TypeError for values JSON cannot represent. */
export function jcs(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new TypeError('value has no JSON representation');
  return out;
}

export function sha256Hex(data: string | Uint8Array): string {
  if (oneShot) return oneShot('sha256', data, 'hex');
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of `data` (UTF-8 for text), as bytes. */
export function sha256(data: string | Uint8Array): Buffer {
  if (oneShot) return oneShot('sha256', data, 'buffer');
  return crypto.createHash('sha256').update(data).digest();
}

/** `"sha256:" + hex(sha256(JCS(value)))`: the hash of specs, snapshots and bound fields. */
export function jcsHash(value: unknown): string {
  return `sha256:${sha256Hex(jcs(value))}`;
}

const SHA256_RE = /^sha256:[0-9a-f]{64}$/;
export function isSha256Ref(value: string): boolean {
  return SHA256_RE.test(value);
}
