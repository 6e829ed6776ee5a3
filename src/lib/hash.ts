import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** RFC 8785 JSON Canonicalization Scheme. Throws TypeError for values JSON cannot represent. */
export function jcs(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new TypeError('value has no JSON representation');
  return out;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `"sha256:" + hex(sha256(JCS(value)))`: the hash of specs, snapshots and bound fields. */
export function jcsHash(value: unknown): string {
  return `sha256:${sha256Hex(jcs(value))}`;
}

const SHA256_RE = /^sha256:[0-9a-f]{64}$/;
export function isSha256Ref(value: string): boolean {
  return SHA256_RE.test(value);
}
