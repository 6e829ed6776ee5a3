/**
 * The witness side of c2sp.org/tlog-witness `add-checkpoint`: verify the log's signature with the
 * configured log keys, check the old size against this witness's record, verify the consistency
 * proof from the recorded tree to the new one, persist, then cosign (cosignature/v1). It never
 * cosigns a checkpoint that is not consistent with the last one it cosigned for that origin.
 *
 * Request bodies are attacker-controlled: parse defensively; every refusal is an HTTP status.
 */
import {
  bytesEqual,
  emptyRoot,
  parseAddCheckpoint,
  parseCheckpoint,
  signCosignature,
  verifyCheckpoint,
  verifyConsistency,
  type NoteKey,
} from '../audit/index.js';
import type { WitnessKey } from './witness-key.js';
import type { WitnessState } from './witness-state.js';

export interface WitnessAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface WitnessDeps {
  key: WitnessKey;
  /** Log verifier keys; a log's origin is its key name. */
  logs: readonly NoteKey[];
  state: WitnessState;
  now: () => number;
  /** Told about every refusal of a validly signed checkpoint (possible evidence of a fork). */
  onRefusal?: (origin: string, status: number, message: string) => void;
}

const TEXT = 'text/plain; charset=utf-8';
const answer = (status: number, body: string): WitnessAnswer => ({
  status,
  contentType: TEXT,
  body: body.endsWith('\n') ? body : `${body}\n`,
});

export function createWitness(deps: WitnessDeps) {
  async function addCheckpoint(body: string): Promise<WitnessAnswer> {
    const req = parseAddCheckpoint(body);
    if (!req.ok) return answer(400, req.message);
    const parsed = parseCheckpoint(req.note);
    if (!parsed.ok) return answer(400, `checkpoint: ${parsed.message}`);
    const { origin, size, root } = parsed.checkpoint;
    const keys = deps.logs.filter((k) => k.name === origin);
    if (keys.length === 0) return answer(404, 'unknown log origin');
    const verified = verifyCheckpoint(req.note, keys, { origin });
    if (!verified.ok) return answer(403, 'no signature by a known key of this log verifies');
    if (req.oldSize > size) return answer(400, 'old size is larger than the checkpoint size');
    const refuse = (status: number, message: string) => {
      deps.onRefusal?.(origin, status, message);
      return answer(status, message);
    };
    const record = deps.state.get(origin);
    const known = record?.size ?? 0;
    if (req.oldSize !== known) {
      return { status: 409, contentType: 'text/x.tlog.size', body: `${known}\n` };
    }
    const oldRoot = record?.root ?? emptyRoot();
    if (req.oldSize === size) {
      if (!bytesEqual(oldRoot, root)) {
        deps.onRefusal?.(origin, 409, `a different root at the recorded size ${size}`);
        return { status: 409, contentType: 'text/x.tlog.size', body: `${known}\n` };
      }
    } else if (
      req.oldSize === 0
        ? req.proof.length !== 0
        : !verifyConsistency(req.oldSize, size, req.proof, oldRoot, root)
    ) {
      return refuse(422, `not consistent with the recorded size ${known}`);
    }
    const at = new Date(deps.now()).toISOString();
    if (size !== known || !record) {
      if (!deps.state.advance(record, { origin, size, root, note: req.note }, at)) {
        // another submission moved the record between the check and the write
        const now = deps.state.get(origin)?.size ?? 0;
        return { status: 409, contentType: 'text/x.tlog.size', body: `${now}\n` };
      }
    }
    const line = await signCosignature(parsed.body, deps.key.signer, Math.floor(deps.now() / 1000));
    return answer(200, line);
  }

  return { addCheckpoint };
}

export type Witness = ReturnType<typeof createWitness>;
