/**
 * The audit log's write path, for any adapter, in two steps.
 *
 * Sequencing: a state change appends its event to `audit_pending` inside its own transaction, so
 * the two commit together or not at all (fail-closed), without taking any lock other writers
 * need. Integration: one integrator at a time (the adapter serialises it) takes a batch of
 * committed pending rows, gives them the next contiguous log indices, hashes their JCS bytes into
 * leaves, and stores the events, the new perfect-subtree nodes and the new head while deleting
 * those pending rows, all in one transaction. Deleting what it integrated (rather than remembering
 * a high-water mark) means a row whose transaction commits late is simply taken by a later batch,
 * never skipped.
 */
import type { AuditEvent } from '../domain/audit-event.js';
import { ServiceError } from '../errors/index.js';
import { isoAt } from '../lib/clock.js';
import { jcs } from '../lib/hash.js';
import { InFlightLimit } from './in-flight-limit.js';
import { appendToCompactRange, parseCompactRange, serializeCompactRange } from './merkle-head.js';
import type { StoredNode } from './merkle-head.js';

/** Why an event could not be sequenced, whatever failed: fail-closed, the change goes with it. */
export function auditUnavailable(cause: unknown): ServiceError {
  return new ServiceError('audit_unavailable', 'the audit log could not be written', { cause });
}

/** The event's JCS text (its leaf bytes); `audit_unavailable` when it has none. */
export function canonicalEventJson(event: AuditEvent): string {
  try {
    return jcs(event);
  } catch (err) {
    throw auditUnavailable(err);
  }
}

/**
 * Lone appends (no other write beside them) gathered and written as one multi-row statement,
 * committed on its own: one round trip and one commit for every lone event that arrived together.
 * At most `maxInFlight` statements run at once; appends that arrive while they do wait for the
 * next one (batches grow with load, see in-flight-limit.ts). Each caller is answered when its
 * statement has committed; if it fails, every event in it fails (none of them is in the log)
 * with `audit_unavailable`.
 */
export class LoneAuditAppends {
  private queue: { eventJson: string; appendedAt: string; settle: (err?: unknown) => void }[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly limit: InFlightLimit;

  constructor(
    private readonly insertMany: (
      rows: readonly { eventJson: string; appendedAt: string }[],
    ) => Promise<void>,
    private readonly maxBatch = 500,
    maxInFlight = 2,
  ) {
    this.limit = new InFlightLimit(maxInFlight);
  }

  append(event: AuditEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        eventJson: canonicalEventJson(event),
        appendedAt: isoAt(Date.now()),
        settle: (err) => (err === undefined ? resolve() : reject(err)),
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    this.limit.schedule(() => this.writeNext());
  }

  /** Writes the next batch in the slot it was given; the rest wait for the next slot. */
  private writeNext(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.maxBatch);
    this.schedule();
    const written = this.insertMany(batch)
      .then(
        () => {
          for (const r of batch) r.settle();
        },
        (err: unknown) => {
          const failure = auditUnavailable(err);
          for (const r of batch) r.settle(failure);
        },
      )
      .finally(() => this.limit.done());
    this.inFlight.add(written);
    void written.finally(() => this.inFlight.delete(written));
  }

  /** Resolves once every append made so far has been written (or has failed). */
  async drained(): Promise<void> {
    while (this.scheduled || this.queue.length > 0 || this.inFlight.size > 0) {
      if (this.inFlight.size > 0) await Promise.all(this.inFlight);
      else await new Promise((r) => setImmediate(r));
    }
  }
}

export interface PendingAuditRow {
  seq: number;
  eventJson: string;
}

/** What `audit_events` stores of an event beside its JSON (its indexed columns). */
export interface AuditEventColumns {
  eventId: string;
  type: string;
  at: string;
  actorId: string;
  environment: string | null;
  project: string | null;
  approvalId: string | null;
}

export function auditEventColumns(event: AuditEvent): AuditEventColumns {
  return {
    eventId: event.eventId,
    type: event.type,
    at: event.at,
    actorId: event.actor.id,
    environment: event.environment,
    project: event.project,
    approvalId: event.approvalId,
  };
}

/** An event that is sequenced (its transaction holds it) and not yet integrated. */
export interface SequencedAudit {
  /** The event's JCS text: its leaf bytes, stored as they are. */
  eventJson: string;
  columns: AuditEventColumns;
}

/** An event as the adapter's own transaction holds it before integration (SQLite). */
export function sequencedAudit(event: AuditEvent): SequencedAudit {
  const eventJson = canonicalEventJson(event);
  try {
    return { eventJson, columns: auditEventColumns(event) };
  } catch (err) {
    throw auditUnavailable(err);
  }
}

export interface IntegratedAuditRow {
  index: number;
  columns: AuditEventColumns;
  json: string;
}

/** The columns of `audit_events`, in the order `auditEventValues` gives their values. */
export const AUDIT_EVENT_COLUMNS =
  '(idx, event_id, type, at, actor_id, environment, project, approval_id, event_json)';

/** One integrated row's values for `AUDIT_EVENT_COLUMNS`, for either adapter. */
export function auditEventValues({ index, columns: c, json }: IntegratedAuditRow): unknown[] {
  return [index, c.eventId, c.type, c.at, c.actorId, c.environment, c.project, c.approvalId, json];
}

export interface AuditIntegrateIo {
  readHead(): Promise<{ size: number; compactRange: string }>;
  /** Committed pending rows, oldest sequence first, at most `limit`. */
  readPending(limit: number): Promise<PendingAuditRow[]>;
  /**
   * Writes the batch's rows, their new nodes and the new head, and deletes the pending rows
   * `seqs` they came from (none when they come from the transaction itself), all in the
   * caller's transaction.
   */
  writeBatch(batch: IntegrationBatch): Promise<void>;
}

export interface IntegrationBatch {
  rows: readonly IntegratedAuditRow[];
  nodes: readonly StoredNode[];
  size: number;
  compactRange: string;
  seqs: readonly number[];
}

/**
 * Integrates up to `limit` pending rows into the tree in the caller's transaction (which the
 * adapter makes the only integrating one). Returns how many it integrated.
 */
export async function integratePendingAudit(io: AuditIntegrateIo, limit: number): Promise<number> {
  const pending = await io.readPending(limit);
  if (pending.length === 0) return 0;
  const sequenced = pending.map((p) => ({
    eventJson: p.eventJson,
    columns: auditEventColumns(JSON.parse(p.eventJson) as AuditEvent),
  }));
  await integrateSequenced(
    io,
    sequenced,
    pending.map((p) => p.seq),
  );
  return pending.length;
}

/**
 * Gives `events` the next log indices, in order, and writes them, their new nodes and the new
 * head in the caller's transaction, deleting the pending rows `seqs` they came from (none when
 * they come from the transaction itself).
 */
export async function integrateSequenced(
  io: AuditIntegrateIo,
  events: readonly SequencedAudit[],
  seqs: readonly number[],
): Promise<void> {
  if (events.length === 0) return;
  const head = await io.readHead();
  let range = parseCompactRange(head.size, head.compactRange);
  const nodes: StoredNode[] = [];
  const rows: IntegratedAuditRow[] = [];
  for (const e of events) {
    const next = appendToCompactRange(range, e.eventJson);
    rows.push({ index: range.size, columns: e.columns, json: e.eventJson });
    nodes.push(...next.newNodes);
    range = next.range;
  }
  const compactRange = serializeCompactRange(range);
  await io.writeBatch({ rows, nodes, size: range.size, compactRange, seqs });
}
