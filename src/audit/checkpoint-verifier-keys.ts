/**
 * The checkpoint verifier keys (`<origin>+<key ID>+<base64 key>`) derived from a published JWKS:
 * what a third party passes to `parseVerifierKey` and `verifyCheckpoint`, or to any C2SP
 * signed-note verifier, without rebuilding the string by hand.
 */
import { formatVerifierKey } from './signed-note.js';

export interface CheckpointVerifierKey {
  /** The JWKS `kid` of the checkpoint key. */
  kid: string;
  /** `active` signs new checkpoints; `retired` still verifies older ones. */
  status: string;
  /** `<origin>+<hex key ID>+<base64(0x01 ‖ public key)>`. */
  verifierKey: string;
}

/** Every checkpoint key of `jwks` (purpose `checkpoint`) as a verifier key named by `origin`. */
export function checkpointVerifierKeys(
  jwks: { keys: readonly object[] },
  origin: string,
): CheckpointVerifierKey[] {
  return jwks.keys
    .map((k) => k as Record<string, unknown>)
    .filter((k) => k['countersign:purpose'] === 'checkpoint' && typeof k.x === 'string')
    .map((k) => ({
      kid: String(k.kid),
      status: String(k['countersign:status'] ?? 'active'),
      verifierKey: formatVerifierKey(
        origin,
        new Uint8Array(Buffer.from(k.x as string, 'base64url')),
      ),
    }));
}
