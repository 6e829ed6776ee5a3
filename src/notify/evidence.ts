/** Redacted delivery evidence: what happened to one notification, with no secret in it. */
import type { NotificationEventKind } from './events.js';
import type { ProviderName } from './providers.js';
import { redactUrl } from './redact.js';

export type DeliveryStatus = 'delivered' | 'failed' | 'dead';

/** `callback` is the decision sent to the request's callbackUrl. */
export type DeliveryTarget = ProviderName | 'callback';

export interface DeliveryEvidence {
  readonly provider: DeliveryTarget;
  readonly event: NotificationEventKind;
  /** `failed`: will be retried; `dead`: attempts exhausted. */
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly firstAttemptAt: string;
  readonly lastAttemptAt: string;
  /** From the start of the first attempt to the end of the last one. */
  readonly durationMs: number;
  /** HTTP status of the last attempt, or null when it got no response. */
  readonly responseStatus: number | null;
  /** The redacted URL (see `redactUrl`). */
  readonly target: string;
}

export interface DeliveryAttempt {
  readonly startedAtMs: number;
  readonly durationMs: number;
  readonly responseStatus: number | null;
}

/**
 * Evidence for a delivery from its attempts. Takes the live URL and redacts it here, so a
 * caller cannot store the unredacted one by mistake.
 */
export function deliveryEvidence(input: {
  readonly provider: DeliveryTarget;
  readonly event: NotificationEventKind;
  readonly status: DeliveryStatus;
  readonly url: string;
  readonly attempts: readonly DeliveryAttempt[];
}): DeliveryEvidence {
  const first = input.attempts[0];
  const last = input.attempts[input.attempts.length - 1];
  if (!first || !last) throw new TypeError('deliveryEvidence: at least one attempt is required');
  return {
    provider: input.provider,
    event: input.event,
    status: input.status,
    attempts: input.attempts.length,
    firstAttemptAt: new Date(first.startedAtMs).toISOString(),
    lastAttemptAt: new Date(last.startedAtMs).toISOString(),
    durationMs: Math.max(0, last.startedAtMs + last.durationMs - first.startedAtMs),
    responseStatus: last.responseStatus,
    target: redactUrl(input.url),
  };
}
