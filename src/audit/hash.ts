/**
 * RFC 6962 / RFC 9162 §2.1.1 hashing for the audit log. Leaves and interior nodes are hashed
 * with different one-byte prefixes so that a leaf can never be passed off as a node (second
 * preimage resistance).
 */
import { Buffer } from 'node:buffer';
import { jcs, sha256 } from '../lib/hash.js';

/** Every hash in the tree is a SHA-256 digest. */
export const HASH_SIZE = 32;

/** The largest tree size (and leaf count) this module accepts: sizes are plain JS numbers. */
export const MAX_TREE_SIZE = Number.MAX_SAFE_INTEGER;

const NODE_PREFIX = new Uint8Array([0x01]);

// Hashing is ~all the cost of appends and verification. Synchronous use only, so scratch buffers
// are safe: hashing allocates nothing but the digest.
const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);
nodeInput[0] = 0x01;
let leafInput = Buffer.alloc(4096);

/** MTH({}) = SHA-256() (RFC 9162 §2.1.1): the root of the empty tree. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** MTH({d}) = SHA-256(0x00 ‖ d): the hash of one leaf's bytes. */
export function leafHash(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= leafInput.length) leafInput = Buffer.alloc(2 * (bytes.length + 1));
  leafInput[0] = 0x00;
  leafInput.set(bytes, 1);
  return sha256(leafInput.subarray(0, bytes.length + 1));
}

/** leafHash of the UTF-8 bytes of `text`, encoded straight into a scratch buffer. */
export function leafHashOfText(text: string): Uint8Array {
  // UTF-8 takes at most three bytes per UTF-16 code unit
  if (3 * text.length >= leafInput.length) leafInput = Buffer.alloc(2 * (3 * text.length + 1));
  leafInput[0] = 0x00;
  const written = leafInput.write(text, 1, 'utf8');
  return sha256(leafInput.subarray(0, written + 1));
}

/** SHA-256(0x01 ‖ left ‖ right): the hash of an interior node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === HASH_SIZE && right.length === HASH_SIZE) {
    nodeInput.set(left, 1);
    nodeInput.set(right, 1 + HASH_SIZE);
    return sha256(nodeInput);
  }
  return sha256(Buffer.concat([NODE_PREFIX, left, right]));
}

/** nodeHash of the two hashes side by side at `offset` in `packed` (left, then right). */
export function nodeHashAt(packed: Uint8Array, offset: number): Uint8Array {
  if (offset < 0 || offset + 2 * HASH_SIZE > packed.length)
    throw new RangeError('no two hashes at offset');
  for (let i = 0; i < 2 * HASH_SIZE; i++) nodeInput[1 + i] = packed[offset + i] as number;
  return sha256(nodeInput);
}

/** The bytes of an event's leaf: UTF-8 of its RFC 8785 (JCS) form (docs/domain.md §6). */
export function eventLeafBytes(event: unknown): Uint8Array {
  return Buffer.from(jcs(event), 'utf8');
}

/** SHA-256(0x00 ‖ JCS(event)): the leaf hash of an audit event. */
export function eventLeafHash(event: unknown): Uint8Array {
  return leafHash(eventLeafBytes(event));
}

/** True when both are byte-for-byte equal. Hashes are public, so no constant-time need. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when `a` equals the HASH_SIZE bytes of `packed` at `offset`. */
export function hashEqualAt(a: Uint8Array, packed: Uint8Array, offset: number): boolean {
  if (a.length !== HASH_SIZE || offset + HASH_SIZE > packed.length) return false;
  for (let i = 0; i < HASH_SIZE; i++) if (a[i] !== packed[offset + i]) return false;
  return true;
}

export function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

/** Lower-case hex of a hash. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

const HASH_HEX_RE = /^[0-9a-f]{64}$/;

/** Parses 64 lower-case hex digits into a hash; undefined for anything else. */
export function hashFromHex(hex: string): Uint8Array | undefined {
  if (typeof hex !== 'string' || !HASH_HEX_RE.test(hex)) return undefined;
  return Buffer.from(hex, 'hex');
}
