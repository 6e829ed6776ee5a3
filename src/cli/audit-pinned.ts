/**
 * `audit verify` with pinning: after the whole log is recomputed, the recomputed tree must extend
 * every pinned checkpoint, and the newest checkpoint that satisfies the witness policy becomes the
 * remembered one.
 */
import { hashFromHex, parseCheckpoint, type VerifyLogResult } from '../audit/index.js';
import type { Backend } from './backend.js';
import {
  checkPins,
  checkWitnesses,
  loadPins,
  rememberCheckpoint,
  type PinOptions,
} from './pinning.js';

export type AuditVerifyOutcome =
  | (Extract<VerifyLogResult, { ok: true }> & { pinned?: string; acceptedSize?: number })
  | {
      ok: false;
      firstBadIndex?: number;
      problem: string;
      message: string;
    };

export async function verifyPinned(
  backend: Backend,
  o: PinOptions,
  r: Extract<VerifyLogResult, { ok: true }>,
): Promise<AuditVerifyOutcome> {
  const src = await backend.auditPinSource();
  const ctx = loadPins(o, src.origin, src.logKeys);
  const current = { origin: src.origin, size: r.size, root: hashFromHex(r.root) as Uint8Array };
  const pinned = await checkPins(ctx, current, (from, to) => backend.auditConsistency(from, to));
  if (!pinned.ok) {
    return {
      ok: false,
      ...(pinned.problem === 'truncated' ? { firstBadIndex: r.size } : {}),
      problem: pinned.problem,
      message: pinned.message,
    };
  }
  // the newest checkpoint the witness policy accepts (every stored one verified above)
  let accepted: { note: string; detail: string } | undefined;
  let lastDetail = 'no checkpoint';
  for (const note of src.checkpoints) {
    const w = checkWitnesses(ctx, note);
    lastDetail = w.detail;
    if (w.ok) {
      accepted = { note, detail: w.detail };
      break;
    }
  }
  if (!accepted && src.checkpoints.length === 0 && !ctx.policy) {
    return { ...r, pinned: 'no checkpoint to remember yet' };
  }
  if (!accepted) {
    return {
      ok: false,
      problem: 'unwitnessed',
      message: `no checkpoint is witnessed: ${lastDetail}`,
    };
  }
  const parsed = parseCheckpoint(accepted.note);
  const remembered =
    parsed.ok && rememberCheckpoint(ctx, accepted.note, parsed.checkpoint)
      ? `; remembered size ${parsed.checkpoint.size} in ${ctx.statePath}`
      : '';
  const pins = ctx.pins.map((p) => `${p.source} size ${p.checkpoint.size}`).join(', ');
  const size = parsed.ok ? parsed.checkpoint.size : 0;
  // events past the accepted checkpoint are verified against the store but vouched for by no witness
  const tail =
    ctx.policy && size < r.size ? `; events ${size}–${r.size - 1} not yet witnessed` : '';
  return {
    ...r,
    acceptedSize: size,
    pinned: `consistent with ${pins || 'no pinned checkpoint yet'}; ${accepted.detail}${tail}${remembered}`,
  };
}
