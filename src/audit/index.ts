/**
 * The audit log's Merkle math (docs/domain.md §6, docs/audit-merkle.md): RFC 6962/9162 hashing,
 * O(log n) appends through a compact range, inclusion and consistency proofs from stored perfect
 * subtrees, C2SP signed checkpoints and full log verification. Pure and storage-agnostic.
 */
export {
  HASH_SIZE,
  MAX_TREE_SIZE,
  bytesEqual,
  emptyRoot,
  eventLeafBytes,
  eventLeafHash,
  hashFromHex,
  leafHash,
  leafHashOfText,
  nodeHash,
  toHex,
} from './hash.js';
export {
  type CompactRange,
  type NodeReader,
  type NodeRef,
  type StoredNode,
  appendLeaf,
  assertCompactRange,
  compactRangeFromNodes,
  compactRangeRefs,
  emptyCompactRange,
  isCompactRange,
  rootOf,
} from './compact-range.js';
export { consistencyProof, inclusionProof, inclusionProofRefs, rootAt } from './proofs.js';
export { verifyConsistency, verifyInclusion } from './verify-proofs.js';
export {
  type NoteFailure,
  type NoteKey,
  type NoteSignature,
  type NoteSigner,
  type ParseNoteResult,
  type VerifyNoteResult,
  MAX_NOTE_LENGTH,
  MAX_NOTE_SIGNATURES,
  formatVerifierKey,
  noteKeyId,
  parseNote,
  parseVerifierKey,
  signNote,
  verifyNote,
} from './signed-note.js';
export {
  type Checkpoint,
  type CheckpointFailure,
  type CheckpointKey,
  type CheckpointSigner,
  type ParseCheckpointResult,
  type ParsedCheckpoint,
  type VerifyCheckpointResult,
  formatCheckpointBody,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
export {
  type CheckpointSpec,
  type LogProblem,
  type LogRow,
  type LogSource,
  type VerifyLogFailure,
  type VerifyLogResult,
  verifyLog,
} from './verify-log.js';
export { MemoryTree } from './memory-tree.js';
export {
  type TileRef,
  MAX_ENTRY_SIZE,
  TILE_HEIGHT,
  TILE_WIDTH,
  decodeEntryBundle,
  encodeEntryBundle,
  encodeHashTile,
  entryRange,
  formatTileIndex,
  hashTileRefs,
  parseTilePath,
  tileExists,
  tilePath,
} from './tiles.js';
export {
  type Cosignature,
  type CosignatureCheck,
  COSIGNATURE_V1_TYPE,
  appendSignatureLines,
  cosignedMessage,
  cosignerKeyId,
  formatCosignerKey,
  parseCosignerKey,
  signCosignature,
  verifyCosignatures,
} from './cosignature.js';
export {
  type AddCheckpointRequest,
  type ParseAddCheckpointResult,
  MAX_ADD_CHECKPOINT_BODY,
  MAX_WITNESS_PROOF,
  formatAddCheckpoint,
  parseAddCheckpoint,
} from './witness-protocol.js';
export {
  type CosignaturePolicy,
  type PinFailure,
  type PinResult,
  checkAgainstPin,
  checkCosignaturePolicy,
} from './pin.js';
export {
  type ParallelLogSource,
  type ParallelOptions,
  verifyLogParallel,
} from './verify-parallel.js';
