/**
 * What a PostgreSQL transaction sends last, in one statement just before its COMMIT: its audit
 * events (rows of `audit_pending`, in the order they were appended) and its NOTIFYs. Each was a
 * round trip of its own, and a round trip to the database costs a replica more CPU than most of
 * the SQL it carries: a review (two events, one notice) now takes three fewer.
 *
 * Nothing changes for what commits: the events and notices are still part of the transaction of
 * the state change, so they commit with it or not at all. An event that cannot be written fails
 * the transaction as `audit_unavailable`, as an append always did.
 */
import type { AuditEvent } from '../../domain/audit-event.js';
import { isoAt } from '../../lib/clock.js';
import { auditUnavailable, canonicalEventJson } from '../audit-append.js';
import { isUnavailable } from './postgres-errors.js';
import { APPROVALS_CHANNEL } from './postgres-listener.js';
import { SqlParams, type Queryable } from './postgres-sql.js';

export class TransactionTail {
  private readonly events: { eventJson: string; appendedAt: string }[] = [];
  private readonly notices: string[] = [];

  /** Sequences `event` in this transaction (its canonical form is taken now). */
  appendAudit(event: AuditEvent): void {
    this.events.push({ eventJson: canonicalEventJson(event), appendedAt: isoAt(Date.now()) });
  }

  /** A NOTIFY on the approvals channel, delivered only if the transaction commits. */
  notify(payload: string): void {
    this.notices.push(payload);
  }

  /** Whether the transaction appended any audit event (the integrator is woken after COMMIT). */
  get appendedAudit(): boolean {
    return this.events.length > 0;
  }

  /** Sends everything held, in one statement, on the transaction's client. */
  async write(db: Queryable): Promise<void> {
    if (this.events.length === 0 && this.notices.length === 0) return;
    const p = new SqlParams();
    const rows = this.events.map((e) => `(${p.add(e.eventJson)}, ${p.add(e.appendedAt)})`);
    const notices = this.notices.map((n) => `pg_notify(${p.add(APPROVALS_CHANNEL)}, ${p.add(n)})`);
    const select = `SELECT ${notices.length > 0 ? notices.join(', ') : '1'}`;
    // a data-modifying WITH runs exactly once whether or not the SELECT reads it
    const text =
      rows.length > 0
        ? `WITH appended AS (INSERT INTO audit_pending (event_json, appended_at) VALUES ${rows.join(', ')}) ${select}`
        : select;
    try {
      await db.query(text, p.values);
    } catch (err) {
      // the database going away stays what it is (the transaction maps it to a retry); anything
      // else failing with events in the statement is the audit failing
      throw rows.length > 0 && !isUnavailable(err) ? auditUnavailable(err) : err;
    }
  }
}
