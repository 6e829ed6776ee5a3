/**
 * DSSE, the Dead Simple Signing Envelope (github.com/secure-systems-lab/dsse, protocol v1.0.0):
 * the signature covers PAE(payloadType, payload), never the base64 text, so an envelope cannot be
 * re-labelled as another payload type. Signatures here are Ed25519 by a credential key, named by
 * its `kid`.
 *
 * Envelopes arrive from files and the network: attacker-controlled: parse defensively. Verifying
 * never throws for a bad envelope; it returns a code.
 */
import { Buffer } from 'node:buffer';
import { verify as verifySignature } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { importKeySet } from '../credentials/verify/key-set.js';

/** A DSSE JSON envelope (envelope.md). `payload` and `sig` are base64. */
export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** Signs PAE bytes with a credential key; the private key never enters this module. */
export interface DsseSigner {
  sign(bytes: Uint8Array): { kid: string; signature: Uint8Array };
}

export type DsseFailureCode =
  'envelope_malformed' | 'keyset_unavailable' | 'unknown_signing_key' | 'invalid_signature';

export type VerifyEnvelopeResult =
  | { ok: true; payloadType: string; payload: Uint8Array; keyid: string }
  | { ok: false; code: DsseFailureCode; message: string };

/** Far above any attestation we produce; bounds the work a hostile envelope can cause. */
const MAX_PAYLOAD_CHARS = 1024 * 1024;
const MAX_SIGNATURES = 16;
const MAX_TYPE_LENGTH = 256;
const ED25519_SIGNATURE_SIZE = 64;
const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, where LEN is the decimal
 * byte length (protocol.md §Signature Definition). Lengths count UTF-8 bytes, not characters.
 */
export function preAuthEncoding(payloadType: string, body: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${body.length} `, 'ascii'),
    body,
  ]);
}

/** Wraps `body` in an envelope signed over its PAE; base64 is the standard alphabet. */
export function signEnvelope(
  payloadType: string,
  body: Uint8Array,
  signer: DsseSigner,
): DsseEnvelope {
  const { kid, signature } = signer.sign(preAuthEncoding(payloadType, body));
  return {
    payloadType,
    payload: Buffer.from(body).toString('base64'),
    signatures: [{ keyid: kid, sig: Buffer.from(signature).toString('base64') }],
  };
}

/** Standard or URL-safe base64 (verifiers MUST accept either, protocol.md §Protocol). */
function decodeBase64Any(text: string): Uint8Array | undefined {
  if (!BASE64_RE.test(text) || text.length % 4 === 1) return undefined;
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Buffer.from(standard, 'base64');
  // Buffer decoding is lenient; re-encoding rejects stray padding and non-zero trailing bits
  const canonical = bytes.toString('base64').replace(/=+$/, '');
  return canonical === standard.replace(/=+$/, '') ? bytes : undefined;
}

function malformed(message: string): VerifyEnvelopeResult {
  return { ok: false, code: 'envelope_malformed', message };
}

type ParsedEnvelope = {
  payloadType: string;
  payload: Uint8Array;
  signatures: { keyid: string; sig: Uint8Array }[];
};

function parseEnvelope(envelope: unknown): ParsedEnvelope | string {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    return 'envelope must be a JSON object';
  }
  const e = envelope as Record<string, unknown>;
  if (typeof e.payloadType !== 'string' || e.payloadType.length === 0) {
    return 'payloadType must be a non-empty string';
  }
  if (e.payloadType.length > MAX_TYPE_LENGTH) return 'payloadType is too long';
  if (typeof e.payload !== 'string' || e.payload.length > MAX_PAYLOAD_CHARS) {
    return 'payload must be a base64 string of at most 1 MiB';
  }
  const payload = decodeBase64Any(e.payload);
  if (payload === undefined) return 'payload is not base64';
  if (!Array.isArray(e.signatures) || e.signatures.length === 0) {
    return 'signatures must be a non-empty array';
  }
  if (e.signatures.length > MAX_SIGNATURES) return 'too many signatures';
  const signatures: ParsedEnvelope['signatures'] = [];
  for (const [i, s] of (e.signatures as unknown[]).entries()) {
    const entry = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
    const sig = typeof entry.sig === 'string' ? decodeBase64Any(entry.sig) : undefined;
    if (sig === undefined) return `signatures[${i}].sig is not base64`;
    if (entry.keyid !== undefined && typeof entry.keyid !== 'string') {
      return `signatures[${i}].keyid must be a string`;
    }
    signatures.push({ keyid: typeof entry.keyid === 'string' ? entry.keyid : '', sig });
  }
  return { payloadType: e.payloadType, payload, signatures };
}

/**
 * Verifies a DSSE envelope against the credential keys of a JWKS (keys marked
 * `countersign:purpose: credential`; a checkpoint key never verifies an attestation). The keyid is
 * an unauthenticated hint: it only picks the key to try. One good signature is enough.
 */
export function verifyEnvelope(
  envelope: unknown,
  jwks: JSONWebKeySet | undefined,
): VerifyEnvelopeResult {
  const parsed = parseEnvelope(envelope);
  if (typeof parsed === 'string') return malformed(parsed);
  const { keys } = importKeySet(jwks);
  if (keys.size === 0) {
    return { ok: false, code: 'keyset_unavailable', message: 'the key set has no credential keys' };
  }
  const pae = preAuthEncoding(parsed.payloadType, parsed.payload);
  let knownKey = false;
  for (const s of parsed.signatures) {
    const key = keys.get(s.keyid);
    if (key === undefined) continue;
    knownKey = true;
    if (s.sig.length !== ED25519_SIGNATURE_SIZE) continue;
    if (verifySignature(null, pae, key, s.sig)) {
      return { ok: true, payloadType: parsed.payloadType, payload: parsed.payload, keyid: s.keyid };
    }
  }
  return knownKey
    ? { ok: false, code: 'invalid_signature', message: 'no envelope signature verifies' }
    : {
        ok: false,
        code: 'unknown_signing_key',
        message: 'no envelope signature names a credential key of the key set',
      };
}
