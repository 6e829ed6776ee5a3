/**
 * The audit events of the writer's open transaction, held in memory until its COMMIT integrates
 * them (sqlite-audit-integrate.ts). On SQLite the one writer connection is the only integrator,
 * so an event need not pass through `audit_pending`: it is written straight into the tree in the
 * same transaction as the state change it records, just before COMMIT, and the two still commit
 * together or not at all.
 *
 * The group commit runs many units in one transaction, each under a SAVEPOINT: it marks the
 * buffer when a unit starts and rolls the buffer back with the savepoint, so a unit that fails
 * leaves no event behind, exactly as its rows are undone.
 */
import type { AuditEvent } from '../../domain/audit-event.js';
import { sequencedAudit, type SequencedAudit } from '../audit-append.js';

export class TransactionAudit {
  private events: SequencedAudit[] = [];

  /** Sequences `event` in the open transaction (canonical form taken now). */
  append(event: AuditEvent): void {
    this.events.push(sequencedAudit(event));
  }

  /** Where the buffer stands, to roll back to. */
  mark(): number {
    return this.events.length;
  }

  /** Drops every event appended since `mark` (a savepoint or the transaction rolled back). */
  rollbackTo(mark: number): void {
    if (mark < this.events.length) this.events.length = mark;
  }

  /** The events to integrate, in order; the buffer is empty afterwards. */
  take(): SequencedAudit[] {
    const taken = this.events;
    this.events = [];
    return taken;
  }
}
