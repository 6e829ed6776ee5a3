import type { Migration } from './migration.js';

/**
 * GitHub deployment protection rules: one row per (callback URL, environment) GitHub asked about,
 * linking it to the approval request (or the decision) that answers it. The callback itself goes
 * through the outbox (`deliveries`, provider `github_deployment`), enqueued in the transaction
 * that decides the request.
 */
const common = `
CREATE TABLE github_deployments (
  id TEXT PRIMARY KEY,
  approval_id TEXT,
  decision_id TEXT NOT NULL,
  repository TEXT NOT NULL,
  environment_name TEXT NOT NULL,
  installation_id TEXT NOT NULL,
  callback_url TEXT NOT NULL,
  run_url TEXT,
  sha TEXT NOT NULL,
  delivery_id TEXT,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX github_deployments_callback ON github_deployments (callback_url, environment_name);
CREATE INDEX github_deployments_approval ON github_deployments (approval_id, created_at);
`;

export const migration004: Migration = {
  id: 4,
  name: 'github-deployments',
  sqlite: common,
  postgres: common,
};
