/** Countersign's own webhook JSON (docs/notifications.md), signed per Standard Webhooks. */
import { webhookEventType } from '../events.js';
import type { NotificationEvent, WebhookEventType } from '../events.js';
import type {
  ApprovalSummary,
  BreakGlassSummary,
  OutcomeSummary,
  QuorumSummary,
} from '../summary.js';

export interface WebhookApproval {
  id: string;
  state: string;
  kind: string;
  mode: string;
  environment: string;
  posture: string | null;
  project: string;
  target: string | null;
  repository: string | null;
  requestedBy: { id: string; name: string };
  workflow: string | null;
  runId: string | null;
  stepId: string | null;
  reason: string | null;
  matchedRule: string | null;
  decisionReason: string;
  riskTags: readonly string[];
  constraints: Readonly<Record<string, unknown>>;
  requiredCapabilities: readonly string[];
  specHash: string;
  configHash: string | null;
  actionHash: string;
  policySnapshot: string;
  approverGroups: readonly string[];
  quorum: QuorumSummary;
  createdAt: string;
  expiresAt: string;
  outcome: OutcomeSummary | null;
  breakGlass: BreakGlassSummary | null;
  url: string;
}

export interface WebhookPayload {
  type: WebhookEventType;
  /** When the event happened (ISO 8601), not when this copy was sent. */
  timestamp: string;
  approval: WebhookApproval;
}

export function renderWebhook(event: NotificationEvent, s: ApprovalSummary): WebhookPayload {
  return {
    type: webhookEventType(event),
    timestamp: event.at,
    approval: {
      id: s.id,
      state: s.state,
      kind: s.kind,
      mode: s.mode,
      environment: s.environment,
      posture: s.posture,
      project: s.project,
      target: s.target,
      repository: s.repository,
      requestedBy: s.requester,
      workflow: s.workflow,
      runId: s.runId,
      stepId: s.stepId,
      reason: s.requestReason,
      matchedRule: s.matchedRule,
      decisionReason: s.decisionReason,
      riskTags: s.riskTags,
      constraints: s.constraints,
      requiredCapabilities: s.requiredCapabilities,
      specHash: s.specHash,
      configHash: s.configHash,
      actionHash: s.actionHash,
      policySnapshot: s.policySnapshot,
      approverGroups: s.approverGroups,
      quorum: s.quorum,
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
      outcome: s.outcome,
      breakGlass: s.breakGlass,
      url: s.consoleLink,
    },
  };
}
