import type { Migration } from './migration.js';

/**
 * Indexes for selecting an eligible approval (approvals of one action hash, newest first) and for
 * listing a project's pipeline versions (newest registration first).
 */
const common = `
CREATE INDEX approvals_action_hash ON approvals (action_hash, created_at, id);
CREATE INDEX pipeline_versions_listing ON pipeline_versions (project, registered_at, spec_hash);
`;

export const migration006: Migration = {
  id: 6,
  name: 'approval and version lookups',
  sqlite: common,
  postgres: common,
};
