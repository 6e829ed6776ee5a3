/** The redacted delivery evidence the API and CLI show for an outbox row. */
import type { DeliveryRecord, DeliveryRowStatus } from '../store/port.js';

export interface DeliveryAttemptView {
  readonly at: string;
  readonly durationMs: number;
  readonly responseStatus: number | null;
  readonly error: string | null;
}

/**
 * One delivery: provider, status, attempts, timings, response code and the redacted target.
 * Never a URL's secret part, a token, a password or a signature.
 */
export interface DeliveryView {
  readonly id: string;
  readonly provider: string;
  readonly event: string;
  /** The idempotency key receivers see (`webhook-id`, `idempotency-key`). */
  readonly messageId: string;
  readonly status: DeliveryRowStatus;
  readonly attempts: number;
  readonly firstAttemptAt: string | null;
  readonly lastAttemptAt: string | null;
  /** From the start of the first attempt to the end of the last. */
  readonly durationMs: number | null;
  readonly responseStatus: number | null;
  readonly target: string | null;
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
  readonly attemptLog: readonly DeliveryAttemptView[];
}

export function viewDelivery(d: DeliveryRecord): DeliveryView {
  const first = d.timings[0];
  const last = d.timings[d.timings.length - 1];
  return {
    id: d.id,
    provider: d.provider,
    event: d.event,
    messageId: d.messageId,
    status: d.status,
    attempts: d.attempts,
    firstAttemptAt: first ? new Date(first.startedAtMs).toISOString() : null,
    lastAttemptAt: last ? new Date(last.startedAtMs).toISOString() : null,
    durationMs:
      first && last
        ? Math.max(0, Math.round(last.startedAtMs + last.durationMs - first.startedAtMs))
        : null,
    responseStatus: d.responseStatus,
    target: d.target,
    nextAttemptAt: d.nextAttemptAt,
    lastError: d.lastError,
    attemptLog: d.timings.map((t) => ({
      at: new Date(t.startedAtMs).toISOString(),
      durationMs: Math.round(t.durationMs),
      responseStatus: t.responseStatus,
      error: t.error,
    })),
  };
}
