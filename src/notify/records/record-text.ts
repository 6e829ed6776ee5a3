/** The plain-text note a later event adds to a ticket (Jira comment, ServiceNow work note). */
import type { ApprovalRequest } from '../../domain/approval.js';
import type { NotificationEvent } from '../events.js';
import { formatQuorum, headline, truncate, type ApprovalSummary } from '../summary.js';

export function eventNote(
  event: NotificationEvent,
  approval: ApprovalRequest,
  s: ApprovalSummary,
): string {
  const lines = [headline(event, s)];
  if (event.kind === 'reviewed' || event.kind === 'decided') {
    const last = approval.reviews.at(-1);
    if (
      last &&
      (event.kind === 'reviewed' || approval.state === 'approved' || approval.state === 'denied')
    ) {
      const via = last.via === 'slack' ? ' (in Slack)' : '';
      lines.push(
        `${last.verdict === 'approve' ? 'Approved' : 'Denied'} by ${last.reviewer.name}${via}: ${last.reason}`,
      );
    }
  }
  if (
    event.kind === 'decided' &&
    s.outcome &&
    approval.state !== 'approved' &&
    approval.state !== 'denied'
  ) {
    const by = s.outcome.actor ? ` by ${s.outcome.actor}` : '';
    lines.push(`${approval.state}${by}${s.outcome.reason ? `: ${s.outcome.reason}` : ''}`);
  }
  if (event.kind === 'break_glass' && s.breakGlass) {
    lines.push(`Break-glass by ${s.breakGlass.actor}: ${s.breakGlass.reason}`);
  }
  lines.push(`Quorum: ${formatQuorum(s.quorum)}`);
  lines.push(`Review in Countersign: ${s.consoleLink}`);
  return truncate(lines.join('\n'), 4000);
}

/** The record outcome an event moves a ticket to, if any (transition / state names). */
export function outcomeOf(
  event: NotificationEvent,
): 'approved' | 'denied' | 'expired' | 'cancelled' | 'revoked' | 'break_glass' | null {
  if (event.kind === 'break_glass') return 'break_glass';
  if (event.kind === 'decided') return event.outcome;
  return null;
}
