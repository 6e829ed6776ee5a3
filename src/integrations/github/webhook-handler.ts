/**
 * Handling GitHub's webhook for deployment protection rules: the signature (`X-Hub-Signature-256`,
 * HMAC-SHA256 of the exact body) is verified before the body is even parsed; then a
 * `deployment_protection_rule` / `requested` delivery opens a request for the deployment (or,
 * when policy decides at once, enqueues its answer), and links the deployment to it.
 */
import { verify } from '@octokit/webhooks-methods';
import type { GithubIntegrationConfig } from '../../config/config-types.js';
import type { Principal } from '../../domain/principal.js';
import { AuthError, InputError } from '../../errors/index.js';
import { isoAt, type Clock } from '../../lib/clock.js';
import type { IdGenerator } from '../../lib/ids.js';
import type { Services } from '../../services/index.js';
import type { GithubDeploymentLink, Store } from '../../store/port.js';
import { enqueueDeploymentCallbacks } from './deployment-hook.js';
import {
  callbackRow,
  deploymentAction,
  parseProtectionRule,
  reviewOfDecision,
  runUrl,
} from './protection-rule.js';

export interface GithubWebhookDeps {
  readonly config: GithubIntegrationConfig;
  readonly webhookSecret: string;
  readonly services: Services;
  readonly store: Store;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface GithubWebhookInput {
  readonly body: string;
  readonly signature: string | undefined;
  readonly event: string | undefined;
  readonly deliveryId: string | undefined;
}

/** What the webhook answers (GitHub only looks at the status; the body helps operators). */
export interface GithubWebhookResult {
  readonly status: 200 | 202;
  readonly body: Record<string, unknown>;
}

/** The principal deployment requests are made by: the GitHub App. */
export function githubAppPrincipal(appId: string): Principal {
  return {
    id: `github-app:${appId}`,
    kind: 'system',
    name: `GitHub App ${appId}`,
    groups: [],
    scopes: ['approvals:request'],
    fingerprint: `github-app:${appId}`,
  };
}

async function verified(deps: GithubWebhookDeps, input: GithubWebhookInput): Promise<unknown> {
  const sig = input.signature ?? '';
  const ok = /^sha256=[0-9a-f]{64}$/.test(sig)
    ? await verify(deps.webhookSecret, input.body, sig).catch(() => false)
    : false;
  if (!ok) throw new AuthError('unauthenticated', 'the webhook signature does not verify');
  try {
    return JSON.parse(input.body) as unknown;
  } catch {
    throw new InputError('validation_failed', 'the webhook body is not JSON', [
      { path: '/', message: 'send the webhook as application/json' },
    ]);
  }
}

/** Verifies and handles one webhook delivery. */
export async function handleGithubWebhook(
  deps: GithubWebhookDeps,
  input: GithubWebhookInput,
): Promise<GithubWebhookResult> {
  const payload = await verified(deps, input);
  if (input.event === 'ping') return { status: 200, body: { ok: true } };
  const action = (payload as { action?: unknown }).action;
  if (input.event !== 'deployment_protection_rule' || action !== 'requested') {
    return { status: 202, body: { ignored: `${input.event ?? 'unknown'}.${String(action)}` } };
  }
  const req = parseProtectionRule(payload, deps.config.apiUrl);
  const actionInput = deploymentAction(deps.config, req);
  if (actionInput === null) {
    return { status: 202, body: { ignored: 'environment_not_mapped' } };
  }
  const app = githubAppPrincipal(deps.config.appId);
  const { decision } = await deps.services.evaluator.evaluate(app, actionInput);
  let approvalId: string | null = null;
  let created = false;
  if (decision.outcome === 'require_approval') {
    const r = await deps.services.requests.create(app, {
      decisionId: decision.decisionId,
      note: `Workflow run: ${runUrl(deps.config, req)}`,
      ...(deps.config.requestTtlMs !== null ? { ttlMs: deps.config.requestTtlMs } : {}),
    });
    approvalId = r.approval.id;
    created = r.created;
  }
  const link: GithubDeploymentLink = {
    id: deps.ids.next('ghd'),
    approvalId,
    decisionId: decision.decisionId,
    repository: req.repository,
    environmentName: req.environmentName,
    installationId: req.installationId,
    callbackUrl: req.callbackUrl,
    runUrl: runUrl(deps.config, req),
    sha: req.sha,
    deliveryId: input.deliveryId ?? null,
    createdAt: isoAt(deps.clock.now()),
  };
  const linked = await deps.store.transaction(async (tx) => {
    if (!(await tx.insertGithubDeployment(link))) return false;
    if (approvalId === null) {
      const audit = {
        environment: decision.environment,
        project: req.repository,
        approvalId: null,
        decisionId: decision.decisionId,
        actionHash: decision.actionHash,
      };
      const row = callbackRow(link, reviewOfDecision(decision), audit, {
        ids: deps.ids,
        nowIso: link.createdAt,
      });
      await tx.enqueueDeliveries([row]);
    } else {
      // decided between the request and this link: the decision's hook did not see the link
      const current = await tx.getApproval(approvalId);
      if (current) await enqueueDeploymentCallbacks(tx, current, deps);
    }
    return true;
  });
  return {
    status: 200,
    body: {
      outcome: decision.outcome,
      reasonCode: decision.reasonCode,
      approvalId,
      created,
      // a redelivery of a deployment already linked changes nothing
      linked,
    },
  };
}
