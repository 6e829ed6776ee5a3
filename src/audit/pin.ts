/**
 * Verifiers that remember (docs/audit-log.md "Pinning"): a checkpoint the verifier trusts (a file
 * it was given, or the last one it verified) and a newer one must describe the same history. A
 * log rewritten below the pinned size (edited, deleted-and-renumbered, truncated, truncated and
 * re-grown) fails here however well its nodes, head and checkpoints were recomputed and re-signed.
 */
import type { Checkpoint } from './checkpoint.js';
import { verifyCosignatures, type Cosignature } from './cosignature.js';
import { bytesEqual } from './hash.js';
import type { NoteKey } from './signed-note.js';
import { verifyConsistency } from './verify-proofs.js';

export type PinFailure = 'origin_mismatch' | 'truncated' | 'forked' | 'inconsistent';

export type PinResult = { ok: true } | { ok: false; reason: PinFailure; message: string };

/**
 * Checks `next` against the pinned checkpoint. `proof` is the RFC 9162 consistency proof from
 * `pinned.size` to `next.size` (unused when the sizes are equal or `next` is smaller).
 */
export function checkAgainstPin(
  pinned: Checkpoint,
  next: Checkpoint,
  proof: readonly Uint8Array[],
): PinResult {
  if (pinned.origin !== next.origin) {
    return {
      ok: false,
      reason: 'origin_mismatch',
      message: `the pinned checkpoint is of ${pinned.origin}`,
    };
  }
  if (next.size < pinned.size) {
    return {
      ok: false,
      reason: 'truncated',
      message: `the log has ${next.size} events but a pinned checkpoint covers ${pinned.size}`,
    };
  }
  if (next.size === pinned.size) {
    return bytesEqual(pinned.root, next.root)
      ? { ok: true }
      : {
          ok: false,
          reason: 'forked',
          message: `the root at size ${next.size} differs from the pinned checkpoint's`,
        };
  }
  return verifyConsistency(pinned.size, next.size, proof, pinned.root, next.root)
    ? { ok: true }
    : {
        ok: false,
        reason: 'inconsistent',
        message: `the tree of size ${next.size} does not extend the pinned tree of size ${pinned.size}`,
      };
}

export interface CosignaturePolicy {
  witnesses: readonly NoteKey[];
  min: number;
}

/** The valid cosignatures of trusted witnesses and whether there are at least `min`. */
export function checkCosignaturePolicy(
  note: string,
  policy: CosignaturePolicy,
): { ok: boolean; valid: Cosignature[]; message: string } {
  const check = verifyCosignatures(note, policy.witnesses);
  const ok = check.valid.length >= policy.min;
  const names = check.valid.map((c) => c.name).join(', ') || 'none';
  return {
    ok,
    valid: check.valid,
    message: `${check.valid.length} of ${policy.min} required witness cosignatures (${names})`,
  };
}
