/** What {@link verifyLog} reports: the problem vocabulary and the failure shape. */

/**
 * - `changed`: an event's recomputed leaf differs from its stored level-0 node (or is not JSON).
 * - `reordered`: an event's recomputed leaf equals the stored leaf of another index.
 * - `missing`: a gap in row indices, or fewer rows than the compact range or a checkpoint covers.
 * - `extra`: a row at or past the size of the store's compact range.
 * - `malformed`: a row index that is not a safe integer or does not increase.
 * - `node_missing` / `node_mismatch`: a stored perfect node (or compact-range hash) is absent or
 *   differs from the recomputed one.
 * - `bad_checkpoint`: a checkpoint note that does not parse or names another origin.
 * - `bad_signature`: a checkpoint not validly signed by a trusted key.
 * - `root_mismatch`: a checkpoint's root differs from the recomputed root at its size.
 * - `inconsistent`: a consistency proof between consecutive checkpoints does not verify.
 */
export type LogProblem =
  | 'changed'
  | 'reordered'
  | 'missing'
  | 'extra'
  | 'malformed'
  | 'node_missing'
  | 'node_mismatch'
  | 'bad_checkpoint'
  | 'bad_signature'
  | 'root_mismatch'
  | 'inconsistent';

export interface VerifyLogFailure {
  ok: false;
  /**
   * For event and node problems, the exact index. For checkpoint problems, the size of the last
   * checkpoint that verified (0 if none): everything below it is proven unchanged, the problem lies
   * in [firstBadIndex, checkpoint.size).
   */
  firstBadIndex: number;
  problem: LogProblem;
  message: string;
  /** For checkpoint problems: the note's position in `checkpoints.notes` and its claimed size. */
  checkpoint?: { position: number; size: number | null };
}

export type VerifyLogResult =
  { ok: true; size: number; root: string; checkpoints: number } | VerifyLogFailure;

/** A failure; `checkpoint` names the note for checkpoint problems. */
export function logFailure(
  firstBadIndex: number,
  problem: LogProblem,
  message: string,
  checkpoint?: { position: number; size: number | null },
): VerifyLogFailure {
  const out: VerifyLogFailure = { ok: false, firstBadIndex, problem, message };
  if (checkpoint) out.checkpoint = { position: checkpoint.position, size: checkpoint.size };
  return out;
}
