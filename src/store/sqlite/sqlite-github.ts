/** `github_deployments` on SQLite (inside the adapter's write transaction). */
import type Database from 'better-sqlite3';
import {
  GITHUB_DEPLOYMENT_COLUMNS,
  githubDeploymentFromRow,
  githubDeploymentValues,
  type GithubDeploymentRow,
} from '../github-deployment-rows.js';
import type { GithubDeploymentLink } from '../github-deployment-types.js';

export function insertSqliteGithubDeployment(
  db: Database.Database,
  link: GithubDeploymentLink,
): boolean {
  const res = db
    .prepare(
      `INSERT INTO github_deployments (${GITHUB_DEPLOYMENT_COLUMNS})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (callback_url, environment_name) DO NOTHING`,
    )
    .run(...githubDeploymentValues(link));
  return res.changes === 1;
}

export function listSqliteGithubDeployments(
  db: Database.Database,
  approvalId: string,
): GithubDeploymentLink[] {
  const rows = db
    .prepare('SELECT * FROM github_deployments WHERE approval_id = ? ORDER BY created_at, id')
    .all(approvalId) as GithubDeploymentRow[];
  return rows.map(githubDeploymentFromRow);
}
