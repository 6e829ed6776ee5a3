/**
 * GitHub deployment protection rules, the pure part: reading a `deployment_protection_rule`
 * webhook, the action a deployment stands for, and the callback GitHub is owed once it is
 * decided. The action binds the commit: its spec is `{repository, environment, ref, sha}`, so
 * the approval's spec hash (RFC 8785 JCS, SHA-256) changes with the SHA and a credential for one
 * commit never covers another.
 */
import type { ApprovalRequest } from '../../domain/approval.js';
import type { Decision } from '../../domain/decision.js';
import type { GithubIntegrationConfig } from '../../config/config-types.js';
import { InputError } from '../../errors/index.js';
import type { IdGenerator } from '../../lib/ids.js';
import type { GithubDeploymentLink, NewDelivery } from '../../store/port.js';

/** The outbox provider name of deployment callbacks. */
export const GITHUB_DEPLOYMENT_PROVIDER = 'github_deployment';

/** What GitHub asks about: one environment of one workflow run. */
export interface ProtectionRuleRequest {
  readonly repository: string;
  readonly environmentName: string;
  readonly callbackUrl: string;
  readonly runId: string;
  readonly installationId: string;
  readonly sha: string;
  readonly ref: string | null;
  readonly event: string | null;
  readonly sender: string | null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

const REPO_RE = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
const SHA_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function invalid(path: string, message: string): never {
  throw new InputError('validation_failed', 'not a deployment protection rule request', [
    { path, message },
  ]);
}

/**
 * Reads a `deployment_protection_rule` payload. The callback URL must be this repository's run
 * endpoint under the configured API (`{apiUrl}/repos/{owner}/{repo}/actions/runs/{id}/
 * deployment_protection_rule`): the installation token is never sent anywhere else.
 */
export function parseProtectionRule(payload: unknown, apiUrl: string): ProtectionRuleRequest {
  const p = obj(payload);
  const repository = str(obj(p.repository).full_name);
  if (!repository || !REPO_RE.test(repository)) invalid('/repository/full_name', 'is required');
  const environmentName = str(p.environment);
  if (!environmentName || environmentName.length > 255) invalid('/environment', 'is required');
  const installation = obj(p.installation).id;
  if (typeof installation !== 'number' || !Number.isSafeInteger(installation) || installation < 1)
    invalid('/installation/id', 'must be the installation id');
  const deployment = obj(p.deployment);
  const sha = str(deployment.sha) ?? str(p.sha);
  if (!sha || !SHA_RE.test(sha)) invalid('/deployment/sha', 'must be a commit SHA');
  const callbackUrl = str(p.deployment_callback_url);
  const prefix = `${apiUrl}/repos/${repository}/actions/runs/`;
  const m = callbackUrl?.startsWith(prefix)
    ? /^(\d{1,20})\/deployment_protection_rule$/.exec(callbackUrl.slice(prefix.length))
    : null;
  if (!callbackUrl || !m) {
    invalid('/deployment_callback_url', "must be this repository's run endpoint of the GitHub API");
  }
  return {
    repository,
    environmentName,
    callbackUrl,
    runId: m[1] as string,
    installationId: String(installation),
    sha,
    ref: str(deployment.ref) ?? str(p.ref),
    event: str(p.event),
    sender: str(obj(p.sender).login),
  };
}

/** The workflow run's page, shown to reviewers. */
export function runUrl(cfg: GithubIntegrationConfig, r: ProtectionRuleRequest): string {
  return `${cfg.webUrl}/${r.repository}/actions/runs/${r.runId}`;
}

/** The action a deployment stands for (null when its environment is not mapped). */
export function deploymentAction(
  cfg: GithubIntegrationConfig,
  r: ProtectionRuleRequest,
): Record<string, unknown> | null {
  if (!Object.hasOwn(cfg.environments, r.environmentName)) return null;
  const by = r.sender ? ` by ${r.sender}` : '';
  return {
    kind: cfg.kind,
    environment: cfg.environments[r.environmentName],
    project: r.repository,
    spec: {
      repository: r.repository,
      environment: r.environmentName,
      ref: r.ref,
      sha: r.sha,
    },
    target: `${r.repository}/environments/${r.environmentName}`,
    repository: r.repository,
    runId: r.runId,
    reason: `GitHub deployment of ${r.repository}@${r.sha.slice(0, 12)}${r.ref ? ` (${r.ref})` : ''} to ${r.environmentName}${by}; run ${runUrl(cfg, r)}`,
  };
}

/** What GitHub is told: `approved` or `rejected` and a comment. */
export interface GithubReview {
  readonly state: 'approved' | 'rejected';
  readonly comment: string;
}

/** The outbox payload of one callback (no secret: the token is made at send time). */
export interface GithubCallbackPayload extends GithubReview {
  readonly linkId: string;
  readonly repository: string;
  readonly runId: string;
  readonly environmentName: string;
  readonly installationId: string;
  readonly audit: {
    readonly environment: string;
    readonly project: string;
    readonly approvalId: string | null;
    readonly decisionId: string;
    readonly actionHash: string;
  };
}

const clip = (s: string): string => (s.length > 1000 ? `${s.slice(0, 999)}…` : s);

/** The review of a decided request, or null while it is pending. */
export function reviewOfApproval(a: ApprovalRequest): GithubReview | null {
  const last = a.history[a.history.length - 1];
  switch (a.state) {
    case 'pending':
      return null;
    case 'approved': {
      const by = a.reviews.filter((r) => r.verdict === 'approve').map((r) => r.reviewer.name);
      return {
        state: 'approved',
        comment: clip(
          `Approved in Countersign (${a.id})${by.length ? ` by ${by.join(', ')}` : ''}`,
        ),
      };
    }
    case 'denied': {
      const deny = a.reviews.find((r) => r.verdict === 'deny');
      const who = deny ? ` by ${deny.reviewer.name}` : '';
      return {
        state: 'rejected',
        comment: clip(`Denied in Countersign (${a.id})${who}${deny ? `: ${deny.reason}` : ''}`),
      };
    }
    default:
      return {
        state: 'rejected',
        comment: clip(
          `${a.state[0]?.toUpperCase()}${a.state.slice(1)} in Countersign (${a.id})${last?.reason ? `: ${last.reason}` : ''}`,
        ),
      };
  }
}

/** The review of a decision policy made at once (allow or deny), without a request. */
export function reviewOfDecision(d: Decision): GithubReview {
  return d.outcome === 'allow'
    ? { state: 'approved', comment: clip(`Allowed by Countersign policy: ${d.reason}`) }
    : {
        state: 'rejected',
        comment: clip(`Refused by Countersign policy (${d.reasonCode}): ${d.reason}`),
      };
}

/** The outbox row that delivers `review` to the deployment of `link` (one per link, ever). */
export function callbackRow(
  link: GithubDeploymentLink,
  review: GithubReview,
  audit: GithubCallbackPayload['audit'],
  opts: { ids: IdGenerator; nowIso: string },
): NewDelivery {
  const payload: GithubCallbackPayload = {
    ...review,
    linkId: link.id,
    repository: link.repository,
    runId: /\/runs\/(\d+)\//.exec(link.callbackUrl)?.[1] ?? '',
    environmentName: link.environmentName,
    installationId: link.installationId,
    audit,
  };
  return {
    id: opts.ids.next('dlv'),
    approvalId: link.approvalId ?? link.decisionId,
    provider: GITHUB_DEPLOYMENT_PROVIDER,
    event: 'decided',
    messageId: `github-deployment:${link.id}`,
    payload: JSON.stringify(payload),
    nextAttemptAt: opts.nowIso,
    createdAt: opts.nowIso,
  };
}

/** The audit fields of a request's callback. */
export function approvalAudit(a: ApprovalRequest): GithubCallbackPayload['audit'] {
  return {
    environment: a.action.environment,
    project: a.action.project,
    approvalId: a.id,
    decisionId: a.decision.decisionId,
    actionHash: a.actionHash,
  };
}
