/** Row mapping of `github_deployments`, shared by both adapters. */
import type { GithubDeploymentLink } from './github-deployment-types.js';

export interface GithubDeploymentRow {
  id: string;
  approval_id: string | null;
  decision_id: string;
  repository: string;
  environment_name: string;
  installation_id: string;
  callback_url: string;
  run_url: string | null;
  sha: string;
  delivery_id: string | null;
  created_at: string;
}

export const GITHUB_DEPLOYMENT_COLUMNS =
  'id, approval_id, decision_id, repository, environment_name, installation_id, callback_url, run_url, sha, delivery_id, created_at';

/** The values in {@link GITHUB_DEPLOYMENT_COLUMNS} order. */
export function githubDeploymentValues(l: GithubDeploymentLink): (string | null)[] {
  return [
    l.id,
    l.approvalId,
    l.decisionId,
    l.repository,
    l.environmentName,
    l.installationId,
    l.callbackUrl,
    l.runUrl,
    l.sha,
    l.deliveryId,
    l.createdAt,
  ];
}

export function githubDeploymentFromRow(r: GithubDeploymentRow): GithubDeploymentLink {
  return {
    id: r.id,
    approvalId: r.approval_id,
    decisionId: r.decision_id,
    repository: r.repository,
    environmentName: r.environment_name,
    installationId: r.installation_id,
    callbackUrl: r.callback_url,
    runUrl: r.run_url,
    sha: r.sha,
    deliveryId: r.delivery_id,
    createdAt: r.created_at,
  };
}
