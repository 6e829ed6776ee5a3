/**
 * The audit log as a use case: listing, signed checkpoints (at most every `checkpointEvery`, only
 * when the log grew), inclusion and consistency proofs from stored nodes (O(log n) reads), and
 * full verification of the stored log against its stored checkpoints. Each of them first has
 * every event committed before the call integrated into the tree (store.integrateAudit).
 */
import {
  compactRangeFromNodes,
  consistencyProof,
  formatCheckpointBody,
  inclusionProof,
  rootAt,
  rootOf,
  signCheckpoint,
  toHex,
  verifyLog,
  verifyLogParallel,
  type CompactRange,
  type LogRow,
  type ParallelOptions,
  type VerifyLogResult,
} from '../audit/index.js';
import type { Principal } from '../domain/principal.js';
import { ConflictError, InputError } from '../errors/index.js';
import { isoAt } from '../lib/clock.js';
import type { AuditFilter, PageRequest, StoredCheckpoint } from '../store/port.js';
import { assertScope } from './access.js';
import type { AuditKeys, ServiceDeps } from './ports.js';

export type { AuditKeys } from './ports.js';

export type AuditDeps = Pick<ServiceDeps, 'store' | 'clock'> & { auditKeys: AuditKeys | null };

const hex = (b: Uint8Array) => toHex(b);

/** Leaves per independently verified subtree; logs shorter than two of them verify in one pass. */
const PARALLEL_CHUNK = 1 << 14;

export function createAuditService(deps: AuditDeps) {
  const readNodes = (refs: readonly { level: number; index: number }[]) =>
    deps.store.readAuditNodes(refs);

  /**
   * The head of the tree with every event committed before the call integrated into it (the
   * integrator is asked to catch up first; `audit_not_integrated` when it cannot in time).
   */
  async function head(): Promise<CompactRange> {
    await deps.store.integrateAudit();
    const h = await deps.store.auditHead();
    return { size: h.size, hashes: JSON.parse(h.compactRange) as string[] };
  }

  /** Signs a checkpoint of the current tree when it grew since the last one. */
  async function checkpoint(): Promise<StoredCheckpoint | null> {
    if (!deps.auditKeys) return null;
    const range = await head();
    const latest = await deps.store.latestCheckpoint();
    if (range.size === 0 || (latest && latest.size >= range.size)) return latest;
    const root = rootOf(range);
    const body = formatCheckpointBody({ origin: deps.auditKeys.origin, size: range.size, root });
    // signed before the transaction: nothing slow while holding the write lock
    const note = await signCheckpoint(body, deps.auditKeys.signer());
    const stored: StoredCheckpoint = {
      size: range.size,
      rootHash: hex(root),
      note,
      createdAt: isoAt(deps.clock.now()),
    };
    await deps.store.transaction(async (tx) => tx.insertCheckpoint(stored));
    return stored;
  }

  async function latestCheckpoint(p: Principal): Promise<StoredCheckpoint> {
    assertScope(p, 'audit:read');
    const c = (await deps.store.latestCheckpoint()) ?? (await checkpoint());
    if (!c) throw new ConflictError('not_found', 'no checkpoint yet: the log is empty');
    return c;
  }

  async function list(p: Principal, filter: AuditFilter, page: PageRequest) {
    assertScope(p, 'audit:read');
    // every event acknowledged before this request is listed: integrate what is pending first
    await deps.store.integrateAudit();
    return deps.store.listAuditEvents(filter, page);
  }

  function checkRange(name: string, value: number, max: number, min = 0): void {
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new InputError('validation_failed', `${name} is out of range`, [
        { path: `querystring:/${name}`, message: `must be an integer from ${min} to ${max}` },
      ]);
    }
  }

  /** RFC 9162 inclusion proof of leaf `index` in the tree of `size` (default: the latest checkpoint's). */
  async function proveInclusion(p: Principal, index: number, size?: number) {
    assertScope(p, 'audit:read');
    const treeSize = size ?? (await latestCheckpoint(p)).size;
    const current = (await head()).size;
    checkRange('size', treeSize, current, 1);
    checkRange('index', index, treeSize - 1);
    const [leaf] = await readNodes([{ level: 0, index }]);
    const rows = await deps.store.readAuditRows(index, 1);
    const proof = await inclusionProof(index, treeSize, readNodes);
    const root = await rootAt(treeSize, readNodes);
    return {
      index,
      size: treeSize,
      leafHash: leaf ? hex(leaf) : null,
      rootHash: hex(root),
      proof: proof.map(hex),
      event: rows[0] ? (JSON.parse(rows[0].eventJson) as unknown) : null,
    };
  }

  async function proveConsistency(p: Principal, from: number, to?: number) {
    assertScope(p, 'audit:read');
    const current = (await head()).size;
    const toSize = to ?? current;
    checkRange('to', toSize, current, 1);
    checkRange('from', from, toSize, 1);
    const proof = await consistencyProof(from, toSize, readNodes);
    return {
      from,
      to: toSize,
      fromRootHash: hex(await rootAt(from, readNodes)),
      toRootHash: hex(await rootAt(toSize, readNodes)),
      proof: proof.map(hex),
    };
  }

  /** Every stored row in index order; `onBatch` hears how many have been read so far. */
  async function* rows(onBatch?: (read: number) => void): AsyncGenerator<LogRow> {
    let next = 0;
    let read = 0;
    for (;;) {
      const batch = await deps.store.readAuditRows(next, 2000);
      if (batch.length === 0) return;
      for (const r of batch) yield { index: r.index, eventJson: r.eventJson };
      read += batch.length;
      onBatch?.(read);
      next = (batch[batch.length - 1] as { index: number }).index + 1;
    }
  }

  /**
   * Recomputes every leaf and node from the stored events and checks every stored checkpoint.
   * A long log is verified on every core (independent subtrees in worker threads, rows streamed
   * chunk by chunk); any mismatch is then reported by the sequential pass, which names the first
   * bad index.
   */
  async function verify(
    options: {
      parallel?: Omit<ParallelOptions, 'onProgress'>;
      /** Events verified so far, and in all (the log's size), as verification goes. */
      onProgress?: (verified: number, total: number) => void;
    } = {},
  ): Promise<VerifyLogResult> {
    const range = await head();
    const stored = await deps.store.listCheckpoints();
    const checkpoints = deps.auditKeys
      ? {
          checkpoints: {
            notes: stored.map((c) => c.note),
            keys: deps.auditKeys.verifierKeys(),
            origin: deps.auditKeys.origin,
          },
        }
      : {};
    const progress = options.onProgress;
    const sequential = () =>
      verifyLog({
        events: rows(progress && ((read) => progress(Math.min(read, range.size), range.size))),
        readNodes,
        compactRange: range,
        ...checkpoints,
      });
    const chunk = options.parallel?.chunkLeaves ?? PARALLEL_CHUNK;
    if (range.size < 2 * chunk) return sequential();
    const reader = deps.store.auditChunkReader?.() ?? null;
    return verifyLogParallel(
      {
        compactRange: range,
        readRows: (from, limit) => deps.store.readAuditRows(from, limit),
        readNodeRange: (level, from, count) => deps.store.readAuditNodeRange(level, from, count),
        readNodes,
        ...checkpoints,
        ...(reader ? { chunkReader: reader } : {}),
      },
      sequential,
      { chunkLeaves: chunk, ...options.parallel, ...(progress ? { onProgress: progress } : {}) },
    );
  }

  /** The root of the stored tree recomputed from nodes (cheap; for readiness and tests). */
  async function storedRange(): Promise<CompactRange> {
    const size = (await head()).size;
    return compactRangeFromNodes(size, readNodes);
  }

  return {
    list,
    checkpoint,
    latestCheckpoint,
    proveInclusion,
    proveConsistency,
    verify,
    storedRange,
    rows,
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
