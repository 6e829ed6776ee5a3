/**
 * The audit checkpoint key as the audit log needs it: a signed-note signer named by the log
 * origin, and every checkpoint public key (active and retired) to verify stored checkpoints.
 * Checkpoint keys are never credential keys (docs/domain.md §6).
 */
import type { KeyRing } from './keyring.js';

const rawPublicKey = (x: string): Uint8Array => new Uint8Array(Buffer.from(x, 'base64url'));

export function createCheckpointKeys(
  keyRing: Pick<KeyRing, 'activeKey' | 'sign' | 'publicJwks'>,
  origin: string,
) {
  return {
    origin,
    signer() {
      const key = keyRing.activeKey('checkpoint');
      const x = key.publicKey.export({ format: 'jwk' }).x as string;
      return {
        name: origin,
        publicKey: rawPublicKey(x),
        sign: (message: Uint8Array) => keyRing.sign('checkpoint', message).signature,
      };
    },
    verifierKeys() {
      return keyRing
        .publicJwks()
        .keys.filter(
          (k) => (k as unknown as Record<string, unknown>)['countersign:purpose'] === 'checkpoint',
        )
        .map((k) => ({ name: origin, publicKey: rawPublicKey((k as unknown as { x: string }).x) }));
    },
  };
}
