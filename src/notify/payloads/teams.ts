/** Microsoft Teams message carrying an Adaptive Card 1.4 (incoming webhook or Workflows). */
import type { NotificationEvent } from '../events.js';
import { facts, headline } from '../summary.js';
import type { ApprovalSummary } from '../summary.js';

export type CardElement =
  | {
      type: 'TextBlock';
      text: string;
      wrap: boolean;
      size?: 'Medium' | 'Large';
      weight?: 'Bolder';
      color?: 'Attention' | 'Accent';
      isSubtle?: boolean;
    }
  | { type: 'FactSet'; facts: { title: string; value: string }[] }
  | { type: 'Container'; style: 'attention'; bleed: boolean; items: CardElement[] };

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: '1.4';
  body: CardElement[];
  actions: { type: 'Action.OpenUrl'; title: string; url: string }[];
  msteams: { width: 'Full' };
}

export interface TeamsMessage {
  type: 'message';
  attachments: {
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: AdaptiveCard;
  }[];
}

export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

export function renderTeams(event: NotificationEvent, s: ApprovalSummary): TeamsMessage {
  const loud = event.kind === 'break_glass';
  const body: CardElement[] = [];
  if (loud) {
    const evidence = s.breakGlass
      ? `${s.breakGlass.actor}: ${s.breakGlass.reason} (incident ${s.breakGlass.externalRef ?? 'none given'})`
      : 'Approved immediately';
    body.push({
      type: 'Container',
      style: 'attention',
      bleed: true,
      items: [
        {
          type: 'TextBlock',
          text: '🚨 BREAK-GLASS',
          size: 'Large',
          weight: 'Bolder',
          color: 'Attention',
          wrap: true,
        },
        { type: 'TextBlock', text: evidence, wrap: true },
      ],
    });
  }
  body.push({
    type: 'TextBlock',
    text: headline(event, s),
    size: 'Medium',
    weight: 'Bolder',
    wrap: true,
  });
  body.push({ type: 'FactSet', facts: facts(s).map((f) => ({ title: f.label, value: f.value })) });
  body.push({
    type: 'TextBlock',
    text: `Approval ${s.id} · state ${s.state}`,
    isSubtle: true,
    wrap: true,
  });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: ADAPTIVE_CARD_SCHEMA,
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions: [
            {
              type: 'Action.OpenUrl',
              title: loud ? 'Review break-glass' : 'Open in Countersign',
              url: s.consoleLink,
            },
          ],
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}
