/**
 * `countersign/evidence`: offline verification of what Countersign hands auditors — evidence
 * bundles, DSSE-wrapped in-toto attestations, signed checkpoints and Merkle proofs — with the
 * public keys alone (`/.well-known/jwks.json`). Needs no server and no database.
 *
 * @example
 * ```ts
 * import { verifyEvidence } from 'countersign/evidence';
 * const result = await verifyEvidence(JSON.parse(bundleText), { jwks });
 * if (!result.ok) console.error(result.problems);
 * ```
 *
 * @packageDocumentation
 */
export { verifyEvidence, parseEvidenceBundle, type VerifyEvidenceOptions } from './evidence.js';
export type * from './evidence-types.js';
export {
  verifyAttestation,
  APPROVAL_PREDICATE_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  type ApprovalStatement,
  type ApprovalPredicate,
  type VerifyAttestationResult,
} from './attestation.js';
export { verifyCheckpoint, parseCheckpoint, type Checkpoint } from '../audit/checkpoint.js';
export { parseVerifierKey, formatVerifierKey, type NoteKey } from '../audit/signed-note.js';
export {
  checkpointVerifierKeys,
  type CheckpointVerifierKey,
} from '../audit/checkpoint-verifier-keys.js';
export { verifyInclusion, verifyConsistency } from '../audit/verify-proofs.js';
export { eventLeafHash, leafHash, nodeHash } from '../audit/hash.js';
