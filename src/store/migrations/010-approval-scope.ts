import type { Migration } from './migration.js';

/**
 * Finding the approval a request follows (same environment, project and kind, newest approved
 * before it) reads this index instead of scanning every request; the audit search lists newest
 * first by the primary key and needs none.
 */
const common = `
CREATE INDEX approvals_scope ON approvals (environment, project, kind, state, created_at);
`;

export const migration010: Migration = {
  id: 10,
  name: 'approval-scope',
  sqlite: common,
  postgres: common,
};
