/** `github_deployments` on PostgreSQL. */
import {
  GITHUB_DEPLOYMENT_COLUMNS,
  githubDeploymentFromRow,
  githubDeploymentValues,
  type GithubDeploymentRow,
} from '../github-deployment-rows.js';
import type { GithubDeploymentLink } from '../github-deployment-types.js';
import type { Queryable } from './postgres-sql.js';

export async function insertPostgresGithubDeployment(
  db: Queryable,
  link: GithubDeploymentLink,
): Promise<boolean> {
  const res = await db.query(
    `INSERT INTO github_deployments (${GITHUB_DEPLOYMENT_COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (callback_url, environment_name) DO NOTHING`,
    githubDeploymentValues(link),
  );
  return (res.rowCount ?? 0) === 1;
}

export async function listPostgresGithubDeployments(
  db: Queryable,
  approvalId: string,
): Promise<GithubDeploymentLink[]> {
  const res = await db.query<GithubDeploymentRow & Record<string, unknown>>(
    'SELECT * FROM github_deployments WHERE approval_id = $1 ORDER BY created_at, id',
    [approvalId],
  );
  return res.rows.map(githubDeploymentFromRow);
}
