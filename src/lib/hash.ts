import crypto from 'node:crypto';
import canonicalize from 'canonicalize';

/** RFC 8785 JSON Canonicalization Scheme. Throws TypeError for values JSON cannot represent. */
export function jcs(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new TypeError('value has no JSON representation');
  return out;
}

// crypto.hash hashes in one call, without the Hash object of createHash().update().digest(),
// which cost about as much again as the hashing for the short inputs of every request

/** Lower-case hex of SHA-256 of `data` (UTF-8 for text). */
export function sha256Hex(data: string | Uint8Array): string {
  return crypto.hash('sha256', data, 'hex');
}

/** SHA-256 of `data` (UTF-8 for text), as bytes. */
export function sha256(data: string | Uint8Array): Buffer {
  return crypto.hash('sha256', data, 'buffer');
}

/** `"sha256:" + hex(sha256(JCS(value)))`: the hash of specs, snapshots and bound fields. */
export function jcsHash(value: unknown): string {
  return `sha256:${sha256Hex(jcs(value))}`;
}

const SHA256_RE = /^sha256:[0-9a-f]{64}$/;
export function isSha256Ref(value: string): boolean {
  return SHA256_RE.test(value);
}
