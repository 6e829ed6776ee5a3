/**
 * Slack messages sent through the Web API (chat.postMessage, then chat.update on the same ts):
 * one message per request that always shows the request as it stands now, with Approve and Deny
 * buttons while it is pending and chat approvals are allowed for it. Also the review modal.
 */
import type { SlackInteractiveConfig } from '../../config/config-types.js';
import type { ApprovalRequest } from '../../domain/approval.js';
import { eventsFor, type NotificationEvent } from '../events.js';
import { summarize, truncate, type NotifyContext } from '../summary.js';
import { escapeMrkdwn, renderSlack, type SlackBlock, type SlackMessage } from './slack.js';

export const APPROVE_ACTION = 'countersign_approve';
export const DENY_ACTION = 'countersign_deny';
export const OPEN_ACTION = 'countersign_open_approval';
export const REVIEW_CALLBACK = 'countersign_review';

/** The event that describes the request as it stands: decided, break-glass, or requested. */
export function currentEvent(approval: ApprovalRequest): NotificationEvent {
  const events = eventsFor(approval);
  const decided = events.find((e) => e.kind === 'decided');
  const loud = events.find((e) => e.kind === 'break_glass');
  // a break-glass approval stays loud until it is revoked
  if (loud && approval.state === 'approved') return loud;
  return decided ?? loud ?? events[0] ?? { kind: 'requested', at: approval.createdAt };
}

/**
 * Whether chat approvals are refused for this request: switched off, or the request matches a
 * `requireConsoleFor` entry (every field it gives equal).
 */
export function requiresConsole(
  approval: Pick<ApprovalRequest, 'action'>,
  interactive: SlackInteractiveConfig | null,
): boolean {
  if (interactive === null) return true;
  if (!interactive.chatApprovals) return true;
  return interactive.requireConsoleFor.some(
    (e) =>
      (e.environment === null || e.environment === approval.action.environment) &&
      (e.kind === null || e.kind === approval.action.kind),
  );
}

function reviewLines(approval: ApprovalRequest): string | null {
  if (approval.reviews.length === 0) return null;
  const lines = approval.reviews.map((r) => {
    const verb = r.verdict === 'approve' ? ':white_check_mark: approved' : ':x: denied';
    const via = r.via === 'slack' ? ' (in Slack)' : '';
    return `${verb} by ${escapeMrkdwn(r.reviewer.name)}${via}: ${escapeMrkdwn(truncate(r.reason, 200))}`;
  });
  return truncate(lines.join('\n'), 2900);
}

/** The message for `approval` as it stands; `channel` is where it is (or will be) posted. */
export function renderSlackApp(
  approval: ApprovalRequest,
  ctx: NotifyContext,
  channel: string,
): SlackMessage & { channel: string } {
  const s = summarize(approval, ctx);
  const base = renderSlack(currentEvent(approval), s);
  const blocks: SlackBlock[] = base.blocks.filter((b) => b.type !== 'actions');
  const reviews = reviewLines(approval);
  if (reviews) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: reviews } });
  const interactive = ctx.config.providers.slack?.interactive ?? null;
  const open = {
    type: 'button' as const,
    text: { type: 'plain_text' as const, text: 'Open in Countersign' },
    url: s.consoleLink,
    action_id: OPEN_ACTION,
  };
  if (approval.state === 'pending' && interactive !== null) {
    if (requiresConsole(approval, interactive)) {
      blocks.push({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Review in the console (sign-in required).' }],
      });
      blocks.push({ type: 'actions', elements: [open] });
    } else {
      blocks.push({
        type: 'actions',
        block_id: 'countersign_review',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Approve' },
            style: 'primary',
            value: approval.id,
            action_id: APPROVE_ACTION,
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Deny' },
            style: 'danger',
            value: approval.id,
            action_id: DENY_ACTION,
          },
          open,
        ],
      });
    }
  } else {
    blocks.push({ type: 'actions', elements: [open] });
  }
  return { channel, text: base.text, blocks };
}

/** What the modal carries back in `private_metadata` (set by us, returned in a signed request). */
export interface ReviewModalMetadata {
  approvalId: string;
  verdict: 'approve' | 'deny';
}

/** The review modal opened by a button: reason (required) and external reference. */
export function reviewModal(approval: ApprovalRequest, verdict: 'approve' | 'deny'): object {
  const what = `${approval.action.kind} in ${approval.action.environment} (${approval.action.project})`;
  const metadata: ReviewModalMetadata = { approvalId: approval.id, verdict };
  return {
    type: 'modal',
    callback_id: REVIEW_CALLBACK,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: verdict === 'approve' ? 'Approve request' : 'Deny request' },
    submit: { type: 'plain_text', text: verdict === 'approve' ? 'Approve' : 'Deny' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: truncate(`*${escapeMrkdwn(what)}*\nApproval \`${approval.id}\``, 2900),
        },
      },
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'plain_text_input',
          action_id: 'reason',
          multiline: true,
          max_length: 2000,
        },
      },
      {
        type: 'input',
        block_id: 'external_ref',
        optional: true,
        label: { type: 'plain_text', text: 'External reference (ticket, incident)' },
        element: { type: 'plain_text_input', action_id: 'external_ref', max_length: 256 },
      },
    ],
  };
}
