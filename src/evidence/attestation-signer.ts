/**
 * The signer of approval attestations: the newest active CREDENTIAL key (docs/domain.md §6: the
 * attestation is signed like the credential; the checkpoint key only signs checkpoints).
 */
import type { DsseSigner } from './dsse.js';
import type { KeyRing } from '../credentials/keyring.js';

export function createAttestationSigner(keyRing: Pick<KeyRing, 'sign'>): DsseSigner {
  return { sign: (bytes) => keyRing.sign('credential', bytes) };
}
