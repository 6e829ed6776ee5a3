import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';

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
  return `sha256:${hash('sha256', canonical, 'hex')}`;
}
