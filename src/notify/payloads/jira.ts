/** Jira Cloud REST v3 create-issue body with an Atlassian Document Format description. */
import type { NotificationEvent } from '../events.js';
import { facts, headline, truncate } from '../summary.js';
import type { ApprovalSummary } from '../summary.js';

type Mark = { type: 'strong' } | { type: 'link'; attrs: { href: string } };
export interface AdfText {
  type: 'text';
  text: string;
  marks?: Mark[];
}
export interface AdfParagraph {
  type: 'paragraph';
  content: AdfText[];
}
export interface AdfBulletList {
  type: 'bulletList';
  content: { type: 'listItem'; content: AdfParagraph[] }[];
}
export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: (AdfParagraph | AdfBulletList)[];
}

export interface JiraIssueBody {
  fields: {
    project: { key: string };
    issuetype: { name: string };
    summary: string;
    description: AdfDoc;
    labels: string[];
  };
}

// Jira: summary at most 255 characters on one line; labels without whitespace.
const SUMMARY_MAX = 255;
const LABEL_MAX = 255;

function text(value: string, marks?: Mark[]): AdfText {
  // ADF text nodes must not be empty.
  return marks ? { type: 'text', text: value || ' ', marks } : { type: 'text', text: value || ' ' };
}

function paragraph(...content: AdfText[]): AdfParagraph {
  return { type: 'paragraph', content };
}

export function jiraLabel(value: string): string {
  return truncate(value.trim().replace(/\s+/g, '-'), LABEL_MAX);
}

function labelsFor(event: NotificationEvent, s: ApprovalSummary): string[] {
  const labels = ['countersign', s.environment, `countersign-${event.kind.replace('_', '-')}`];
  if (s.posture) labels.push(`posture-${s.posture}`);
  if (s.breakGlass) labels.push('break-glass');
  labels.push(...s.riskTags);
  return [...new Set(labels.map(jiraLabel).filter((l) => l !== ''))];
}

export function renderJira(
  event: NotificationEvent,
  s: ApprovalSummary,
  settings: { readonly project: string; readonly issueType: string },
): JiraIssueBody {
  const content: AdfDoc['content'] = [];
  if (event.kind === 'break_glass') {
    content.push(
      paragraph(
        text('BREAK-GLASS: approved immediately without review; reviewers may revoke it.', [
          { type: 'strong' },
        ]),
      ),
    );
  }
  content.push(paragraph(text(headline(event, s))));
  content.push({
    type: 'bulletList',
    content: facts(s).map((f) => ({
      type: 'listItem',
      content: [paragraph(text(`${f.label}: `, [{ type: 'strong' }]), text(f.value))],
    })),
  });
  content.push(
    paragraph(
      text('Review in Countersign: '),
      text(s.consoleLink, [{ type: 'link', attrs: { href: s.consoleLink } }]),
    ),
  );
  const summary = `[Countersign] ${headline(event, s)}`.replace(/[\r\n]+/g, ' ');
  return {
    fields: {
      project: { key: settings.project },
      issuetype: { name: settings.issueType },
      summary: truncate(summary, SUMMARY_MAX),
      description: { type: 'doc', version: 1, content },
      labels: labelsFor(event, s),
    },
  };
}
