/**
 * The checkpoint side of log verification: every stored note is checked up front (signature,
 * format, origin), then, as the recomputed tree reaches each checkpoint's size, its root is
 * compared and a consistency proof from the previous good checkpoint is served from the stored
 * nodes and verified. Notes are attacker-controlled: parse defensively.
 */
import { type CheckpointKey, parseCheckpoint, verifyCheckpoint } from './checkpoint.js';
import type { NodeReader } from './compact-range.js';
import { bytesEqual, emptyRoot } from './hash.js';
import { consistencyProof } from './proofs.js';
import { type LogProblem, type VerifyLogFailure, logFailure } from './verify-log-result.js';
import { verifyConsistency } from './verify-proofs.js';

export interface CheckpointSpec {
  notes: readonly string[];
  keys: CheckpointKey | readonly CheckpointKey[];
  origin?: string;
}

interface CheckpointEntry {
  position: number;
  size: number | null;
  root?: Uint8Array;
  failure?: { problem: LogProblem; message: string };
}

function prepareCheckpoints(spec: CheckpointSpec | undefined): CheckpointEntry[] {
  if (!spec) return [];
  const options = spec.origin === undefined ? {} : { origin: spec.origin };
  const entries = spec.notes.map((text, position): CheckpointEntry => {
    const v = verifyCheckpoint(text, spec.keys, options);
    if (v.ok) return { position, size: v.checkpoint.size, root: v.checkpoint.root };
    const parsed = parseCheckpoint(text);
    const problem =
      v.reason === 'malformed' || v.reason === 'origin_mismatch'
        ? 'bad_checkpoint'
        : 'bad_signature';
    return {
      position,
      size: parsed.ok ? parsed.checkpoint.size : null,
      failure: { problem, message: `checkpoint #${position}: ${v.message}` },
    };
  });
  // A note too broken to name a size is reported before any event.
  return entries.sort((a, b) => (a.size ?? -1) - (b.size ?? -1) || a.position - b.position);
}

/** Checkpoints in size order, consumed as the recomputed tree grows. */
export class CheckpointTrail {
  private readonly queue: CheckpointEntry[];
  private next = 0;
  private good = { size: 0, root: emptyRoot() };
  verified = 0;

  constructor(
    spec: CheckpointSpec | undefined,
    private readonly read: NodeReader,
  ) {
    this.queue = prepareCheckpoints(spec);
  }

  /** True when a checkpoint is waiting for the tree to reach exactly `size`. */
  isDueAt(size: number): boolean {
    return this.queue[this.next]?.size === size;
  }

  /** Handles every queued checkpoint up to `size`; `root` is the recomputed root at `size`. */
  async reach(size: number, root: Uint8Array): Promise<VerifyLogFailure | undefined> {
    for (
      let c = this.queue[this.next];
      c !== undefined && (c.size ?? 0) <= size;
      c = this.queue[++this.next]
    ) {
      const problem = await this.check(c, root);
      if (problem) return problem;
    }
    return undefined;
  }

  /** Called when the events end at `size`: any checkpoint still queued claims more than exists. */
  leftover(size: number): VerifyLogFailure | undefined {
    const c = this.queue[this.next];
    if (c === undefined) return undefined;
    if (c.failure) return logFailure(this.good.size, c.failure.problem, c.failure.message, c);
    return logFailure(
      size,
      'missing',
      `checkpoint #${c.position} covers ${c.size} events but the log has ${size}`,
      c,
    );
  }

  private async check(c: CheckpointEntry, root: Uint8Array): Promise<VerifyLogFailure | undefined> {
    const from = this.good;
    if (c.failure) return logFailure(from.size, c.failure.problem, c.failure.message, c);
    const size = c.size as number;
    if (!bytesEqual(root, c.root as Uint8Array)) {
      const message = `checkpoint #${c.position} root differs from the recomputed root at size ${size}`;
      return logFailure(from.size, 'root_mismatch', message, c);
    }
    let proof: Uint8Array[];
    try {
      proof = await consistencyProof(from.size, size, this.read);
    } catch (err) {
      const message = `consistency proof for checkpoint #${c.position}: ${(err as Error).message}`;
      return logFailure(from.size, 'node_missing', message, c);
    }
    if (!verifyConsistency(from.size, size, proof, from.root, root)) {
      const message = `checkpoint #${c.position} is not consistent with size ${from.size}`;
      return logFailure(from.size, 'inconsistent', message, c);
    }
    this.good = { size, root };
    this.verified++;
    return undefined;
  }
}
