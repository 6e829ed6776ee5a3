/**
 * Full, storage-agnostic verification of an audit log: recompute every leaf and perfect node from
 * the stored event texts, compare with the stored nodes, check every checkpoint's signature, its
 * root against the recomputed root at its size, and consistency between consecutive checkpoints.
 * Stops at the first problem and names the first bad index.
 *
 * Everything read from the store is treated as attacker-controlled: parse defensively.
 */
import { Buffer } from 'node:buffer';
import { ServiceError } from '../errors/index.js';
import {
  type CompactRange,
  type NodeReader,
  RangeAccumulator,
  assertCompactRange,
} from './compact-range.js';
import { bytesEqual, eventLeafHash, isHash, leafHash, toHex } from './hash.js';
import { type NodeRef, firstLeafOf, isOdd, perfectRefs } from './tree-math.js';
import { type CheckpointSpec, CheckpointTrail } from './log-checkpoints.js';
import { type VerifyLogFailure, type VerifyLogResult, logFailure } from './verify-log-result.js';

export type { CheckpointSpec } from './log-checkpoints.js';
export type { LogProblem, VerifyLogFailure, VerifyLogResult } from './verify-log-result.js';

/** One stored event row: its `index` column and the stored event JSON text. */
export interface LogRow {
  index: number;
  eventJson: string;
  /** The stored level-0 node when the store keeps it in the event row (saves a read). */
  storedLeafHash?: Uint8Array;
}

export interface LogSource {
  /** Event rows in ascending `index` order. */
  events: AsyncIterable<LogRow> | Iterable<LogRow>;
  /** Stored perfect nodes, level 0 included; `undefined` for a node the store does not have. */
  readNodes: NodeReader;
  /** The store's compact range row: its size is the number of events the store claims to hold. */
  compactRange?: CompactRange;
  /** Stored checkpoint notes and the checkpoint key(s) they must be signed by. */
  checkpoints?: CheckpointSpec;
}

interface PendingRow {
  index: number;
  text: string;
  stored: Uint8Array | undefined;
}

const DEFAULT_CHUNK = 4096;

/** The interior perfect nodes that appending leaf `index` completes, lowest first. */
function completedNodes(index: number): NodeRef[] {
  const out: NodeRef[] = [];
  let level = 0;
  for (let i = index; isOdd(i);) {
    i = (i - 1) / 2;
    level++;
    out.push({ level, index: i });
  }
  return out;
}

/**
 * A row whose exact text hashes to its stored leaf is the JCS text that was logged (SHA-256 is
 * collision resistant), so it is accepted as is. Otherwise the text is parsed and re-canonicalised,
 * for stores that reformat JSON (PostgreSQL jsonb); undefined when it is not JSON at all.
 */
export function recomputeLeaf(text: string, stored: Uint8Array): Uint8Array | undefined {
  const asIs = leafHash(Buffer.from(text, 'utf8'));
  if (bytesEqual(asIs, stored)) return asIs;
  try {
    return eventLeafHash(JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

class LogVerifier {
  private readonly acc = new RangeAccumulator();
  private rows = 0;
  private pending: PendingRow[] = [];
  private readonly trail: CheckpointTrail;
  private readonly expectedSize: number | undefined;

  constructor(
    private readonly source: LogSource,
    private readonly chunkSize: number,
  ) {
    if (source.compactRange !== undefined) assertCompactRange(source.compactRange);
    this.expectedSize = source.compactRange?.size;
    this.trail = new CheckpointTrail(source.checkpoints, source.readNodes);
  }

  async run(): Promise<VerifyLogResult> {
    let problem = await this.trail.reach(0, this.acc.root());
    if (problem) return problem;
    for await (const row of this.source.events) {
      problem = await this.row(row);
      if (problem) return problem;
    }
    return (await this.flush()) ?? (await this.finish());
  }

  private async row(row: LogRow): Promise<VerifyLogFailure | undefined> {
    const expected = this.rows;
    const index: unknown = row?.index;
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < expected) {
      return (
        (await this.flush()) ??
        logFailure(
          expected,
          'malformed',
          `row after index ${expected - 1} has index ${String(index)}`,
        )
      );
    }
    if (index > expected) {
      return (
        (await this.flush()) ?? logFailure(expected, 'missing', `no event row at index ${expected}`)
      );
    }
    if (this.expectedSize !== undefined && index >= this.expectedSize) {
      return (
        (await this.flush()) ??
        logFailure(
          index,
          'extra',
          `event row ${index} is past the logged tree size ${this.expectedSize}`,
        )
      );
    }
    const text = typeof row.eventJson === 'string' ? row.eventJson : '';
    this.pending.push({ index, text, stored: row.storedLeafHash });
    this.rows++;
    const atCheckpoint = this.trail.isDueAt(this.rows);
    if (this.pending.length >= this.chunkSize || atCheckpoint) {
      const problem = await this.flush();
      if (problem) return problem;
    }
    return atCheckpoint ? this.trail.reach(this.rows, this.acc.root()) : undefined;
  }

  /**
   * Recomputes the pending rows' leaves and nodes and compares them with the stored ones, read in
   * one call (which nodes an append completes depends only on the index).
   */
  private async flush(): Promise<VerifyLogFailure | undefined> {
    const pending = this.pending;
    this.pending = [];
    if (pending.length === 0) return undefined;
    const refs: NodeRef[] = [];
    const nodeRefs = pending.map((p) => completedNodes(p.index));
    for (const [i, p] of pending.entries()) {
      if (p.stored === undefined) refs.push({ level: 0, index: p.index });
      refs.push(...(nodeRefs[i] as NodeRef[]));
    }
    const got = await this.read(refs);
    let k = 0;
    const storedLeaves: unknown[] = [];
    const storedNodes: unknown[][] = [];
    for (const [i, p] of pending.entries()) {
      storedLeaves.push(p.stored === undefined ? got[k++] : p.stored);
      storedNodes.push((nodeRefs[i] as NodeRef[]).map(() => got[k++]));
    }
    for (const [i, p] of pending.entries()) {
      const stored = storedLeaves[i];
      if (!isHash(stored)) {
        return logFailure(p.index, 'node_missing', `no stored leaf hash for event ${p.index}`);
      }
      const leaf = recomputeLeaf(p.text, stored);
      if (leaf === undefined)
        return logFailure(p.index, 'changed', `event ${p.index} is not valid JSON`);
      if (!bytesEqual(stored, leaf)) {
        return this.leafMismatch(p.index, leaf, pending, storedLeaves);
      }
      let problem: VerifyLogFailure | undefined;
      let j = 0;
      this.acc.append(leaf, (level, index, hash) => {
        if (level === 0 || problem) return;
        const s = storedNodes[i]?.[j++];
        const where = `stored node (level ${level}, index ${index})`;
        const first = firstLeafOf({ level, index });
        if (!isHash(s)) problem = logFailure(first, 'node_missing', `${where} is missing`);
        else if (!bytesEqual(s, hash)) {
          problem = logFailure(first, 'node_mismatch', `${where} differs from the recomputed hash`);
        }
      });
      if (problem) return problem;
    }
    return undefined;
  }

  private async read(refs: readonly NodeRef[]): Promise<readonly (Uint8Array | undefined)[]> {
    if (refs.length === 0) return [];
    const got = await this.source.readNodes(refs);
    if (!Array.isArray(got) || got.length !== refs.length) {
      throw new ServiceError(
        'audit_unavailable',
        'audit node store answered with the wrong number of hashes',
      );
    }
    return got;
  }

  /** `reordered` when the leaf is stored under another index, else `changed`. */
  private async leafMismatch(
    index: number,
    leaf: Uint8Array,
    chunk: readonly PendingRow[],
    storedLeaves: readonly unknown[],
  ): Promise<VerifyLogFailure> {
    let other = chunk.findIndex(
      (q, i) =>
        q.index !== index &&
        isHash(storedLeaves[i]) &&
        bytesEqual(storedLeaves[i] as Uint8Array, leaf),
    );
    let otherIndex = other >= 0 ? (chunk[other] as PendingRow).index : undefined;
    const limit = this.expectedSize ?? Number.MAX_SAFE_INTEGER;
    // Rare path (only on failure): scan stored leaves until the store runs out.
    for (let start = 0; otherIndex === undefined && start < limit; start += this.chunkSize) {
      const end = Math.min(limit, start + this.chunkSize);
      const refs = Array.from({ length: end - start }, (_, i) => ({ level: 0, index: start + i }));
      const got = await this.read(refs);
      other = got.findIndex((h, i) => start + i !== index && isHash(h) && bytesEqual(h, leaf));
      if (other >= 0) otherIndex = start + other;
      else if (got.some((h) => h === undefined)) break;
    }
    if (otherIndex !== undefined) {
      return logFailure(
        index,
        'reordered',
        `event at index ${index} is the event logged at index ${otherIndex}`,
      );
    }
    return logFailure(index, 'changed', `event ${index} does not match its stored leaf hash`);
  }

  private async finish(): Promise<VerifyLogResult> {
    const size = this.acc.size;
    const leftover = this.trail.leftover(size);
    if (leftover) return leftover;
    const range = this.source.compactRange;
    if (range !== undefined) {
      if (size < range.size)
        return logFailure(
          size,
          'missing',
          `no event row at index ${size} (logged size ${range.size})`,
        );
      const mine = this.acc.toCompactRange().hashes;
      const refs = perfectRefs(0, size);
      for (const [i, h] of range.hashes.entries()) {
        if (h !== mine[i]) {
          const ref = refs[i] as NodeRef;
          return logFailure(
            firstLeafOf(ref),
            'node_mismatch',
            `stored compact range hash ${i} (level ${ref.level}, index ${ref.index}) differs from the recomputed one`,
          );
        }
      }
    }
    return { ok: true, size, root: toHex(this.acc.root()), checkpoints: this.trail.verified };
  }
}

/**
 * Verifies a whole stored log. Reads nodes in chunks (one read per `chunkSize` events) so it runs
 * in O(n) hashing with O(n / chunkSize) store queries.
 */
export async function verifyLog(
  source: LogSource,
  options: { chunkSize?: number } = {},
): Promise<VerifyLogResult> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1)
    throw new TypeError('chunkSize must be a positive integer');
  if (typeof source?.readNodes !== 'function')
    throw new TypeError('source.readNodes must be a function');
  return new LogVerifier(source, chunkSize).run();
}
