/**
 * GitHub deployment protection rule links of the Store port: which approval request (or which
 * decision, when policy decided at once) answers which deployment's callback. Written when the
 * webhook arrives, read in the transaction that decides the request, so the callback is enqueued
 * with the decision and survives a restart.
 */

export interface GithubDeploymentLink {
  id: string;
  /** The request reviewers decide; null when policy allowed or denied the deployment at once. */
  approvalId: string | null;
  decisionId: string;
  /** `owner/name`. */
  repository: string;
  /** The GitHub environment (what the callback names). */
  environmentName: string;
  installationId: string;
  /** GitHub's `deployment_callback_url` for this run. */
  callbackUrl: string;
  /** The workflow run, for reviewers. */
  runUrl: string | null;
  sha: string;
  /** `X-GitHub-Delivery` of the webhook that created the link. */
  deliveryId: string | null;
  createdAt: string;
}

export interface GithubDeploymentTx {
  /** Inserts a link; false, changing nothing, when (callbackUrl, environmentName) is linked already. */
  insertGithubDeployment(link: GithubDeploymentLink): Promise<boolean>;
  /** The links answered by an approval request, oldest first. */
  listGithubDeployments(approvalId: string): Promise<GithubDeploymentLink[]>;
}
