/**
 * `evidence verify` with pinning: the bundle's signed checkpoint and every pinned checkpoint must
 * be one history. Equal sizes compare roots; different sizes need a consistency proof, fetched
 * from the log server (`--url`), since a bundle made earlier or later than the pin cannot carry one.
 */
import { Buffer } from 'node:buffer';
import { hashFromHex, verifyConsistency, type Checkpoint, type NoteKey } from '../audit/index.js';
import { PURPOSE_MEMBER, STATUS_MEMBER } from '../credentials/verify/key-set.js';
import { InputError } from '../errors/index.js';
import { loadPins, rememberCheckpoint, type PinOptions } from './pinning.js';

/** The checkpoint keys of a JWKS, named as the log origin (as evidence verification uses them). */
export function checkpointKeysOf(jwks: unknown, origin: string): NoteKey[] {
  const keys = (jwks as { keys?: unknown[] } | undefined)?.keys ?? [];
  return keys.flatMap((k) => {
    const e = k as Record<string, unknown>;
    if (e[PURPOSE_MEMBER] !== 'checkpoint' || e[STATUS_MEMBER] === 'revoked') return [];
    if (e.kty !== 'OKP' || e.crv !== 'Ed25519' || typeof e.x !== 'string') return [];
    return [{ name: origin, publicKey: new Uint8Array(Buffer.from(e.x, 'base64url')) }];
  });
}

export type EvidencePinOutcome =
  { ok: true; detail: string } | { ok: false; code: 'pin_inconsistent'; message: string };

/** Checks the bundle checkpoint against the pins, then remembers the larger one. */
export async function checkEvidencePins(
  o: PinOptions,
  bundle: { note: string; checkpoint: Checkpoint },
  logKeys: readonly NoteKey[],
  prove: ((from: number, to: number) => Promise<Uint8Array[]>) | undefined,
): Promise<EvidencePinOutcome> {
  const b = bundle.checkpoint;
  const ctx = loadPins(o, b.origin, logKeys);
  for (const pin of ctx.pins) {
    const p = pin.checkpoint;
    let consistent: boolean;
    if (p.size === b.size) consistent = Buffer.from(p.root).equals(Buffer.from(b.root));
    else {
      if (!prove) {
        throw new InputError(
          'validation_failed',
          `the bundle checkpoint (size ${b.size}) and the ${pin.source} (size ${p.size}) differ: pass --url to fetch a consistency proof from the log`,
          [{ path: '--url', message: 'the log server to fetch a consistency proof from' }],
        );
      }
      const [small, large] = p.size < b.size ? [p, b] : [b, p];
      const proof = await prove(small.size, large.size);
      consistent = verifyConsistency(small.size, large.size, proof, small.root, large.root);
    }
    if (!consistent) {
      return {
        ok: false,
        code: 'pin_inconsistent',
        message: `the bundle checkpoint (size ${b.size}) is not consistent with the ${pin.source} (size ${p.size})`,
      };
    }
  }
  const remembered = rememberCheckpoint(ctx, bundle.note, b) ? `; remembered size ${b.size}` : '';
  const pins = ctx.pins.map((p) => `${p.source} size ${p.checkpoint.size}`).join(', ');
  return { ok: true, detail: `consistent with ${pins || 'no pinned checkpoint yet'}${remembered}` };
}

/** Hex proof hashes as bytes; a bad one becomes an empty hash, which no proof accepts. */
export const proofBytes = (hex: readonly string[]): Uint8Array[] =>
  hex.map((h) => hashFromHex(h) ?? new Uint8Array(0));
