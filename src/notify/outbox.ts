/**
 * Outbox rows: the notification a change announces and the rows that deliver it, one per
 * configured provider plus the decision callback when the request has a callbackUrl. Written in
 * the change's transaction by the outbox hook (services/outbox-hook.ts), sent after COMMIT by the
 * delivery worker (services/delivery-worker.ts).
 */
import type { NotificationsConfig } from '../config/config-types.js';
import type { ApprovalChangeEvent, ApprovalRequest } from '../domain/approval.js';
import { NOTIFICATION_OF_CHANGE } from '../domain/change.js';
import type { IdGenerator } from '../lib/ids.js';
import type { NewDelivery } from '../store/port.js';
import { eventsFor, isEventEnabled, messageIdFor, reviewedEvent } from './events.js';
import type { NotificationEvent } from './events.js';
import type { DeliveryTarget } from './evidence.js';
import { configuredProviders, isRecordProvider } from './providers.js';
import { redactUrlToOrigin } from './redact.js';

/**
 * What a delivery row renders: the notification and the request as it was when it happened, its
 * `callbackUrl` redacted to the origin (the real one is read from the request at send time).
 */
export interface OutboxPayload {
  readonly event: NotificationEvent;
  readonly approval: ApprovalRequest;
}

export function parseOutboxPayload(text: string): OutboxPayload {
  const value = JSON.parse(text) as Partial<OutboxPayload>;
  if (typeof value?.event?.kind !== 'string' || typeof value.approval?.id !== 'string') {
    throw new TypeError('outbox payload is not a notification');
  }
  return value as OutboxPayload;
}

/**
 * The notification a change announces, or null. A review that does not decide announces
 * `reviewed`, which only providers keeping one record per request receive (progress updates).
 */
export function notificationFor(
  approval: ApprovalRequest,
  change: ApprovalChangeEvent,
): NotificationEvent | null {
  const kind = NOTIFICATION_OF_CHANGE[change];
  if (kind === null) return null;
  if (kind === 'reviewed') return reviewedEvent(approval);
  return eventsFor(approval).find((e) => e.kind === kind) ?? null;
}

export interface DeliveryRowOptions {
  readonly ids: IdGenerator;
  readonly nowIso: string;
  /** Only these targets (a manual "deliver now" for some providers). */
  readonly only?: readonly DeliveryTarget[];
}

/** The outbox rows for one notification of `approval`: configured providers, then the callback. */
export function deliveryRows(
  approval: ApprovalRequest,
  event: NotificationEvent,
  config: NotificationsConfig,
  opts: DeliveryRowOptions,
): NewDelivery[] {
  const targets: DeliveryTarget[] = isEventEnabled(event.kind, config)
    ? configuredProviders(config).filter(
        (p) => event.kind !== 'reviewed' || isRecordProvider(p, config),
      )
    : [];
  // The callback resumes a waiting run, so it follows every decision whatever onEvents says.
  if (event.kind === 'decided' && approval.callbackUrl !== null) targets.push('callback');
  // a callback URL may carry a secret: the row keeps its origin only, and the worker resolves
  // the real URL from the request when it sends
  const stored: ApprovalRequest = {
    ...approval,
    callbackUrl: approval.callbackUrl === null ? null : redactUrlToOrigin(approval.callbackUrl),
  };
  const payload = JSON.stringify({ event, approval: stored } satisfies OutboxPayload);
  return targets
    .filter((t) => opts.only === undefined || opts.only.includes(t))
    .map((provider) => ({
      id: opts.ids.next('dlv'),
      approvalId: approval.id,
      provider,
      event: event.kind,
      messageId: messageIdFor(approval, event),
      payload,
      nextAttemptAt: opts.nowIso,
      createdAt: opts.nowIso,
    }));
}
