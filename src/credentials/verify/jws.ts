/**
 * JWS Compact Serialization parsing (RFC 7515 §7.1) for approval credentials.
 * attacker-controlled: every byte of the token is hostile until the signature holds, so this
 * file only splits, decodes and checks the header; no claim is read here.
 */
import { CREDENTIAL_ALG, CREDENTIAL_TYPE, fail, type VerifyFailure } from './types.js';
import { MESSAGES } from './messages.js';

/** Far above any real credential (about 1 KiB); bounds work spent on hostile input. */
export const MAX_TOKEN_LENGTH = 16 * 1024;
/** An Ed25519 signature is 64 bytes: 86 base64url characters without padding. */
const SIGNATURE_LENGTH = 86;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface CompactParts {
  headerSegment: string;
  /** The payload, decoded from canonical base64url; a view valid until the next split. */
  payload: Buffer;
  signatureSegment: string;
  /** `header.payload`: the bytes the signature covers (RFC 7515 §5.2); a view, like `payload`. */
  signingInput: Buffer;
}

/** Accepts only unpadded base64url whose length can encode whole bytes (RFC 7515 §2). */
export function isBase64url(segment: string): boolean {
  return segment.length % 4 !== 1 && BASE64URL.test(segment);
}

// Scratch space for the synchronous split: writing a string into an existing buffer costs a
// sixth of allocating one for it (Buffer.from), which at one verification in 10 µs shows. Views
// of them never outlive the synchronous verification that made them.
const payloadScratch = Buffer.alloc(MAX_TOKEN_LENGTH);
const inputScratch = Buffer.alloc(MAX_TOKEN_LENGTH);

/**
 * The bytes of `segment` when it is canonical unpadded base64url (only the URL-safe alphabet, no
 * padding or other characters, unused trailing bits zero: re-encoding the bytes gives the segment
 * back), else undefined.
 */
function decodeCanonical(segment: string, into: Buffer): Buffer | undefined {
  const bytes = into.subarray(0, into.write(segment, 0, 'base64url'));
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

export function splitCompact(token: unknown): CompactParts | VerifyFailure {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    return fail('credential_malformed', MESSAGES.notCompact);
  }
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0) {
    return fail('credential_malformed', MESSAGES.notCompact);
  }
  const headerSegment = token.slice(0, first);
  // The header segment's syntax is checked by checkHeader, whose result the verifier caches.
  const payload = decodeCanonical(token.slice(first + 1, second), payloadScratch);
  if (headerSegment.length === 0 || payload === undefined || payload.length === 0) {
    return fail('credential_malformed', MESSAGES.notCompact);
  }
  // the segments are base64url (checked) or refused by checkHeader: one byte per character
  const signingInput = inputScratch.subarray(0, inputScratch.write(token, 0, second, 'latin1'));
  return { headerSegment, payload, signatureSegment: token.slice(second + 1), signingInput };
}

/** Parses decoded bytes as a JSON object, or undefined when they are not one. */
export function parseJsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Decodes a base64url segment to a JSON object, or undefined when it is not one. */
export function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Checks the protected header before any key is touched: the `alg` allowlist (so `none`, `HS*`
 * and `RS*` never reach a key), explicit typing, no critical extensions, a usable `kid`.
 * Returns the `kid`.
 */
export function checkHeader(headerSegment: string): { kid: string } | VerifyFailure {
  if (!isBase64url(headerSegment)) return fail('credential_malformed', MESSAGES.notCompact);
  const header = decodeJsonObject(headerSegment);
  if (header === undefined) return fail('credential_malformed', MESSAGES.headerInvalid);
  if (header.alg !== CREDENTIAL_ALG) return fail('credential_malformed', MESSAGES.algNotAllowed);
  if (header.typ !== CREDENTIAL_TYPE) return fail('credential_malformed', MESSAGES.typNotAllowed);
  // RFC 7515 §4.1.11: extensions we do not understand must be refused.
  if (header.crit !== undefined) return fail('credential_malformed', MESSAGES.critUnsupported);
  const kid = header.kid;
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) {
    return fail('credential_malformed', MESSAGES.kidInvalid);
  }
  return { kid };
}

/**
 * The last of 86 base64url characters carries 2 bits of the signature and 4 unused bits, which the
 * canonical encoding leaves at zero: A, Q, g or w.
 */
const CANONICAL_LAST = /[AQgw]$/;

const signatureScratch = Buffer.alloc(64);

/**
 * Decodes the signature, refusing anything but the canonical encoding of 64 bytes. The bytes are
 * a view valid until the next call.
 */
export function decodeSignature(segment: string): Buffer | undefined {
  if (segment.length !== SIGNATURE_LENGTH || !BASE64URL.test(segment)) return undefined;
  if (!CANONICAL_LAST.test(segment)) return undefined;
  return signatureScratch.write(segment, 0, 'base64url') === 64 ? signatureScratch : undefined;
}
