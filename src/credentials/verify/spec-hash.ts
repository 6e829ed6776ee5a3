import * as crypto from 'node:crypto';
import canonicalize from 'canonicalize';

// one call, no Hash object (Node ≥ 20.12); createHash before that
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The spec hash of docs/domain.md §1: `"sha256:" + hex(sha256(JCS(spec)))` with RFC 8785 JCS, so key
 * order and whitespace never change it. Throws a TypeError for values JSON cannot represent.
 *
 * @example
 * ```ts
 * import { computeSpecHash } from 'countersign/verify';
 * computeSpecHash({ b: 1, a: [true] }) === computeSpecHash({ a: [true], b: 1 }); // true
 * ```
 */
export function computeSpecHash(spec: unknown): string {
  let canonical: string | undefined;
  try {
    canonical = canonicalize(spec);
  } catch (cause) {
    throw new TypeError('spec has no RFC 8785 canonical form', { cause });
  }
  if (canonical === undefined) throw new TypeError('spec has no RFC 8785 canonical form');
  return `sha256:${sha256Hex(canonical)}`;
}
