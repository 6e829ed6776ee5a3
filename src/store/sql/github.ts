/** `github_deployments`, for both adapters (inside the store's write transaction). */
import {
  GITHUB_DEPLOYMENT_COLUMNS,
  githubDeploymentFromRow,
  githubDeploymentValues,
  type GithubDeploymentRow,
} from '../github-deployment-rows.js';
import type { GithubDeploymentLink } from '../github-deployment-types.js';
import { marks, type SqlRunner } from './dialect.js';

export async function insertGithubDeployment(
  db: SqlRunner,
  link: GithubDeploymentLink,
): Promise<boolean> {
  const values = githubDeploymentValues(link);
  const changed = await db.run(
    `INSERT INTO github_deployments (${GITHUB_DEPLOYMENT_COLUMNS})
     VALUES (${marks(values.length)})
     ON CONFLICT (callback_url, environment_name) DO NOTHING`,
    values,
  );
  return changed === 1;
}

export async function listGithubDeployments(
  db: SqlRunner,
  approvalId: string,
): Promise<GithubDeploymentLink[]> {
  const rows = await db.all<GithubDeploymentRow>(
    'SELECT * FROM github_deployments WHERE approval_id = ? ORDER BY created_at, id',
    [approvalId],
  );
  return rows.map(githubDeploymentFromRow);
}
