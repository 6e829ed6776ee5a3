/** Slack Block Kit message for an incoming webhook. */
import type { NotificationEvent } from '../events.js';
import { facts, headline, truncate } from '../summary.js';
import type { ApprovalSummary } from '../summary.js';

interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: Mrkdwn; fields?: Mrkdwn[] }
  | { type: 'context'; elements: Mrkdwn[] }
  | { type: 'divider' }
  | {
      type: 'actions';
      block_id?: string;
      elements: {
        type: 'button';
        text: PlainText;
        url?: string;
        value?: string;
        action_id: string;
        style?: 'danger' | 'primary';
      }[];
    };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

// Block Kit limits: header 150 chars, section field 2000, at most 10 fields per section.
const HEADER_MAX = 150;
const FIELD_MAX = 2000;
const FIELDS_PER_SECTION = 10;

/** Slack control characters; escaping them stops requester text from mentioning or linking. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function field(label: string, value: string): Mrkdwn {
  return { type: 'mrkdwn', text: truncate(`*${label}*\n${escapeMrkdwn(value)}`, FIELD_MAX) };
}

export function renderSlack(event: NotificationEvent, s: ApprovalSummary): SlackMessage {
  const loud = event.kind === 'break_glass';
  const title = headline(event, s);
  const header = loud ? `:rotating_light: ${title}` : title;
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(header, HEADER_MAX), emoji: true },
    },
  ];
  if (loud && s.breakGlass) {
    const incident = s.breakGlass.externalRef ? ` (incident ${s.breakGlass.externalRef})` : '';
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `:rotating_light: *BREAK-GLASS* by ${escapeMrkdwn(s.breakGlass.actor)}${escapeMrkdwn(incident)}: ${escapeMrkdwn(s.breakGlass.reason)}\nApproved immediately; reviewers may revoke it.`,
          FIELD_MAX,
        ),
      },
    });
  }
  const all = facts(s).map((f) => field(f.label, f.value));
  for (let i = 0; i < all.length; i += FIELDS_PER_SECTION) {
    blocks.push({ type: 'section', fields: all.slice(i, i + FIELDS_PER_SECTION) });
  }
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: `Approval \`${escapeMrkdwn(s.id)}\` · state *${s.state}*` },
      { type: 'mrkdwn', text: `Action hash \`${s.actionHash}\`` },
    ],
  });
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: loud ? 'Review break-glass' : 'Open in Countersign' },
        url: s.consoleLink,
        action_id: 'countersign_open_approval',
        ...(loud ? { style: 'danger' as const } : {}),
      },
    ],
  });
  // `text` is the notification and screen-reader fallback for the blocks.
  const text = `${loud ? ':rotating_light: ' : ''}${escapeMrkdwn(title)} — ${s.consoleLink}`;
  return { text, blocks };
}
