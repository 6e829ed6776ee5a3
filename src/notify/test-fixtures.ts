/** Approvals and config shared by the notify tests. */
import type { NotificationsConfig } from '../config/config-types.js';
import type { ApprovalRequest, Review } from '../domain/approval.js';
import type { NotifyContext } from './summary.js';

export const SPEC_HASH = `sha256:${'a'.repeat(64)}`;
export const CONFIG_HASH = `sha256:${'c'.repeat(64)}`;

export const CONFIG: NotificationsConfig = {
  onEvents: ['requested', 'decided', 'break_glass'],
  providers: {
    slack: {
      urlEnv: 'COUNTERSIGN_SLACK_WEBHOOK_URL',
      botTokenEnv: null,
      channel: null,
      apiUrl: 'https://slack.com/api',
      interactive: null,
    },
    teams: { urlEnv: 'COUNTERSIGN_TEAMS_WEBHOOK_URL' },
    jira: {
      url: 'https://jira.example/rest/api/3/issue',
      tokenEnv: 'JIRA_TOKEN',
      userEnv: 'JIRA_USER',
      project: 'OPS',
      issueType: 'Change',
    },
    servicenow: {
      instanceUrl: 'https://acme.service-now.com',
      userEnv: 'SN_USER',
      passwordEnv: 'SN_PASSWORD',
    },
    webhook: { urlEnv: 'COUNTERSIGN_WEBHOOK_URL', secretEnv: 'COUNTERSIGN_WEBHOOK_SECRET' },
  },
  retry: { attempts: 6, initialDelayMs: 1000, maxDelayMs: 300_000 },
  callbackSecretEnv: 'COUNTERSIGN_CALLBACK_SECRET',
  callbackAllowlist: ['https://ci.example.com/hooks/'],
  remindBeforeMs: 15 * 60_000,
};

export const CTX: NotifyContext = { consoleUrl: 'https://countersign.example/', config: CONFIG };

export const CONSOLE_LINK = 'https://countersign.example/console/approvals/apr_0001';

function review(name: string, groups: string[], verdict: Review['verdict'] = 'approve'): Review {
  return {
    reviewer: { id: `oidc:${name}`, kind: 'user', name, fingerprint: `fp:${name}` },
    verdict,
    reason: verdict === 'approve' ? 'looks right' : 'not during the freeze',
    externalRef: null,
    groups,
    at: '2026-01-01T00:05:00.000Z',
  };
}

/** A pending prod deploy that needs one approval from each of two groups; one is in. */
export function pendingApproval(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: 'apr_0001',
    state: 'pending',
    version: 2,
    action: {
      kind: 'deploy',
      mode: 'execute',
      environment: 'prod',
      project: 'payments-api',
      specHash: SPEC_HASH,
      configHash: CONFIG_HASH,
      target: 'cluster/prod-eu-1',
      capabilities: ['deploy'],
      riskTags: ['prod', 'write'],
      constraints: { max_runtime_sec: 900, max_lines_changed: 500 },
      workflow: 'incident-triage',
      runId: 'run_8f9a',
      stepId: 'remediate',
      repository: 'payments/api',
      reason: 'roll out the hotfix',
    },
    actionHash: `sha256:${'b'.repeat(64)}`,
    decision: {
      decisionId: 'dec_0001',
      outcome: 'require_approval',
      reasonCode: 'approval_required',
      reason: 'prod write detected',
      matchedRule: 'environments.prod.actions.deploy',
      requiredCapabilities: ['deploy'],
      approverGroups: ['release-managers', 'sre'],
      quorum: { min: 2, groups: ['release-managers', 'sre'], mode: 'each' },
      riskTags: ['prod', 'write'],
      constraints: {},
      policySnapshot: `sha256:${'d'.repeat(64)}`,
      actionHash: `sha256:${'b'.repeat(64)}`,
      environment: 'prod',
      posture: 'prod',
      severity: 'high',
      credentialTtlSec: 900,
      singleUse: true,
      routedBy: null,
      evaluatedAt: '2026-01-01T00:00:00.000Z',
    },
    approverGroups: ['release-managers', 'sre'],
    quorum: { min: 2, groups: ['release-managers', 'sre'], mode: 'each' },
    requestedBy: {
      id: 'apikey:ci',
      kind: 'apikey',
      name: 'workflow.incident-triage',
      fingerprint: 'apikey:ci',
    },
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T01:00:00.000Z',
    decidedAt: null,
    breakGlass: null,
    reviews: [review('alice@acme.example', ['release-managers'])],
    history: [
      { event: 'requested', actor: 'apikey:ci', at: '2026-01-01T00:00:00.000Z' },
      { event: 'reviewed', actor: 'oidc:alice@acme.example', at: '2026-01-01T00:05:00.000Z' },
    ],
    note: null,
    callbackUrl: 'https://ci.example.com/hooks/run_8f9a?token=cb-secret-token',
    ...overrides,
  };
}

export function deniedApproval(): ApprovalRequest {
  const base = pendingApproval();
  return {
    ...base,
    state: 'denied',
    decidedAt: '2026-01-01T00:10:00.000Z',
    reviews: [...base.reviews, review('bob@acme.example', ['sre'], 'deny')],
    history: [
      ...base.history,
      { event: 'denied', actor: 'oidc:bob@acme.example', at: '2026-01-01T00:10:00.000Z' },
    ],
  };
}

export function breakGlassApproval(): ApprovalRequest {
  return pendingApproval({
    state: 'approved',
    decidedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T04:00:00.000Z',
    reviews: [],
    breakGlass: {
      reason: 'Production recovery',
      approverGroup: 'release-managers',
      externalRef: 'INC-777',
    },
    history: [
      {
        event: 'break_glass',
        actor: 'oidc:carol@acme.example',
        at: '2026-01-01T00:00:00.000Z',
        reason: 'Production recovery',
        externalRef: 'INC-777',
      },
    ],
  });
}
