/** ServiceNow Table API change request (`POST /api/now/table/change_request`). */
import type { NotificationEvent } from '../events.js';
import { facts, headline, truncate } from '../summary.js';
import type { ApprovalSummary } from '../summary.js';

/** Standard `change_request` fields only; values are the choice values, not display labels. */
export interface ServiceNowChangeRequest {
  short_description: string;
  description: string;
  category: 'Software' | 'Other';
  type: 'normal' | 'emergency';
  /** 1 very high, 2 high, 3 moderate, 4 low. */
  risk: '1' | '2' | '3' | '4';
  /** 1 high, 2 medium, 3 low. */
  impact: '1' | '2' | '3';
  justification: string;
  correlation_id: string;
  correlation_display: 'Countersign';
}

// Lengths of the standard fields: short_description 160, correlation_id 100.
const SHORT_MAX = 160;
const DESCRIPTION_MAX = 4000;

const RISK_BY_SEVERITY: Record<string, ServiceNowChangeRequest['risk']> = {
  critical: '1',
  high: '2',
  medium: '3',
  low: '4',
};

function riskOf(s: ApprovalSummary): ServiceNowChangeRequest['risk'] {
  const bySeverity = s.severity ? RISK_BY_SEVERITY[s.severity] : undefined;
  const risk = bySeverity ?? (s.posture === 'prod' ? '2' : s.posture === 'staging' ? '3' : '4');
  // A break-glass change skipped review: never report it below high.
  return s.breakGlass && risk > '2' ? '2' : risk;
}

function impactOf(s: ApprovalSummary): ServiceNowChangeRequest['impact'] {
  return s.posture === 'prod' ? '1' : s.posture === 'staging' ? '2' : '3';
}

export function renderServiceNow(
  event: NotificationEvent,
  s: ApprovalSummary,
): ServiceNowChangeRequest {
  const lines = facts(s).map((f) => `${f.label}: ${f.value}`);
  const intro = s.breakGlass
    ? 'BREAK-GLASS: approved immediately without review; reviewers may revoke it.'
    : null;
  const description = [intro, headline(event, s), '', ...lines, '', `Review: ${s.consoleLink}`]
    .filter((l): l is string => l !== null)
    .join('\n');
  const justification = s.breakGlass
    ? `Break-glass by ${s.breakGlass.actor}: ${s.breakGlass.reason}` +
      (s.breakGlass.externalRef ? ` (incident ${s.breakGlass.externalRef})` : '')
    : [s.requestReason, `Policy: ${s.decisionReason}`].filter((x) => x !== null).join('\n');
  return {
    short_description: truncate(
      `[Countersign] ${headline(event, s)}`.replace(/\s+/g, ' '),
      SHORT_MAX,
    ),
    description: truncate(description, DESCRIPTION_MAX),
    category: s.kind === 'deploy' ? 'Software' : 'Other',
    type: s.breakGlass ? 'emergency' : 'normal',
    risk: riskOf(s),
    impact: impactOf(s),
    justification: truncate(justification, DESCRIPTION_MAX),
    correlation_id: s.id,
    correlation_display: 'Countersign',
  };
}
