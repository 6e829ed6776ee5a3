/** What happened to an approval that people or systems should hear about (docs/domain.md §8). */
import { effectiveState } from '../domain/approval.js';
import type { ApprovalRequest, ApprovalState } from '../domain/approval.js';
import type { NotificationsConfig } from '../config/config-types.js';

export type NotificationEventKind =
  'requested' | 'decided' | 'break_glass' | 'expiring_soon' | 'reviewed';

/** The kinds every provider can announce (`reviewed` updates only a record kept in place). */
export const NOTIFICATION_EVENT_KINDS: readonly NotificationEventKind[] = [
  'requested',
  'decided',
  'break_glass',
  'expiring_soon',
];

/** Every state a request can be decided into. */
export type DecidedOutcome = Exclude<ApprovalState, 'pending'>;

/**
 * One notification. `at` is when the thing happened (an ISO time taken from the approval, never
 * from a clock here), so rendering the same event twice gives the same bytes.
 */
export type NotificationEvent =
  | { readonly kind: 'requested'; readonly at: string }
  | { readonly kind: 'decided'; readonly outcome: DecidedOutcome; readonly at: string }
  | { readonly kind: 'break_glass'; readonly at: string }
  | { readonly kind: 'expiring_soon'; readonly at: string }
  /** A review that did not decide; `reviews` counts the reviews so far (this one included). */
  | { readonly kind: 'reviewed'; readonly at: string; readonly reviews: number };

/** The Standard Webhooks event type: `approval.requested`, `approval.denied`, … */
export type WebhookEventType =
  | 'approval.requested'
  | `approval.${DecidedOutcome}`
  | 'approval.break_glass'
  | 'approval.expiring_soon'
  | 'approval.reviewed';

export function webhookEventType(event: NotificationEvent): WebhookEventType {
  return event.kind === 'decided' ? `approval.${event.outcome}` : `approval.${event.kind}`;
}

/**
 * A message id that is the same on every retry of the same notification, so receivers can
 * de-duplicate (Standard Webhooks `webhook-id`).
 */
export function messageIdFor(
  approval: Pick<ApprovalRequest, 'id'>,
  event: NotificationEvent,
): string {
  const suffix =
    event.kind === 'decided'
      ? event.outcome
      : event.kind === 'reviewed'
        ? `reviewed_${event.reviews}`
        : event.kind;
  return `msg_${approval.id}_${suffix}`;
}

function historyAt(approval: ApprovalRequest, name: string): string | undefined {
  for (let i = approval.history.length - 1; i >= 0; i--) {
    const entry = approval.history[i];
    if (entry?.event === name) return entry.at;
  }
  return undefined;
}

/**
 * The events that apply to an approval as it stands: `requested` always, `decided` once it is
 * decided, `break_glass` when it is a break-glass approval. With `nowMs`, a pending request past
 * its expiry counts as decided `expired` (what a reader sees before the sweeper records it).
 */
export function eventsFor(approval: ApprovalRequest, nowMs?: number): NotificationEvent[] {
  const events: NotificationEvent[] = [{ kind: 'requested', at: approval.createdAt }];
  const state = nowMs === undefined ? approval.state : effectiveState(approval, nowMs);
  if (state !== 'pending') {
    const at =
      historyAt(approval, state) ??
      approval.decidedAt ??
      (state === 'expired' ? approval.expiresAt : approval.createdAt);
    events.push({ kind: 'decided', outcome: state, at });
  }
  if (approval.breakGlass) {
    events.push({
      kind: 'break_glass',
      at: historyAt(approval, 'break_glass') ?? approval.createdAt,
    });
  }
  return events;
}

/**
 * Whether config asks for this event. `expiring_soon` (a reminder) and `reviewed` (progress)
 * are about an open request, so they follow `requested`.
 */
export function isEventEnabled(
  kind: NotificationEventKind,
  config: Pick<NotificationsConfig, 'onEvents'>,
): boolean {
  // reminders and review progress are about a request still open, so they follow `requested`
  return config.onEvents.includes(
    kind === 'expiring_soon' || kind === 'reviewed' ? 'requested' : kind,
  );
}

/** The latest review of a request as a `reviewed` notification (null before any review). */
export function reviewedEvent(approval: ApprovalRequest): NotificationEvent | null {
  const last = approval.reviews.at(-1);
  return last ? { kind: 'reviewed', at: last.at, reviews: approval.reviews.length } : null;
}
