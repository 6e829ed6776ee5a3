/**
 * The request body of the C2SP tlog-witness `add-checkpoint` call (c2sp.org/tlog-witness):
 *
 *   old <size>\n<base64 consistency proof hash>\n…\n\n<checkpoint note>
 *
 * Bodies arrive from the network: parse defensively; nothing here throws for bad input.
 */
import { HASH_SIZE } from './hash.js';
import { decodeBase64, encodeBase64 } from './signed-note.js';
import { isTreeSize } from './tree-math.js';

/** The protocol allows at most 63 proof lines. */
export const MAX_WITNESS_PROOF = 63;
/** Generous bound on a request body: a checkpoint with signatures plus 63 proof lines. */
export const MAX_ADD_CHECKPOINT_BODY = 72 * 1024;

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Uint8Array[];
  note: string;
}

export type ParseAddCheckpointResult =
  ({ ok: true } & AddCheckpointRequest) | { ok: false; message: string };

const OLD_RE = /^old (0|[1-9][0-9]{0,15})$/;

export function formatAddCheckpoint(req: AddCheckpointRequest): string {
  if (!isTreeSize(req.oldSize)) throw new TypeError('oldSize must be a non-negative safe integer');
  if (req.proof.length > MAX_WITNESS_PROOF) throw new TypeError('proof is too long');
  const proof = req.proof.map((h) => `${encodeBase64(h)}\n`).join('');
  return `old ${req.oldSize}\n${proof}\n${req.note}`;
}

export function parseAddCheckpoint(body: string): ParseAddCheckpointResult {
  if (typeof body !== 'string' || body.length > MAX_ADD_CHECKPOINT_BODY) {
    return { ok: false, message: 'body is missing or too long' };
  }
  const blank = body.indexOf('\n\n');
  if (blank < 0) return { ok: false, message: 'no blank line before the checkpoint' };
  const head = body.slice(0, blank).split('\n');
  const note = body.slice(blank + 2);
  const old = OLD_RE.exec(head[0] ?? '');
  if (!old || !isTreeSize(Number(old[1]))) {
    return { ok: false, message: 'the first line must be "old <size>"' };
  }
  const lines = head.slice(1);
  if (lines.length > MAX_WITNESS_PROOF) return { ok: false, message: 'too many proof lines' };
  const proof: Uint8Array[] = [];
  for (const line of lines) {
    const h = decodeBase64(line);
    if (h === undefined || h.length !== HASH_SIZE) {
      return { ok: false, message: 'each proof line must be the base64 of a 32-byte hash' };
    }
    proof.push(h);
  }
  return { ok: true, oldSize: Number(old[1]), proof, note };
}
