import type { Migration } from './migration.js';

/**
 * One external record per request and provider, updated in place by later events: the Slack
 * message (`record_key` = message ts, `channel` = its channel), the Jira issue (issue key) or
 * the ServiceNow change request (sys_id). The primary key makes a second create for the same
 * request and provider impossible to store.
 *
 * `interaction_replays` remembers the signatures of chat interaction requests (Slack) seen within
 * the timestamp window, in the database so that every replica refuses a replay; rows older than
 * the window are deleted as new ones arrive.
 */
const common = `
CREATE TABLE notification_records (
  approval_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  record_key TEXT NOT NULL,
  channel TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (approval_id, provider)
);
CREATE TABLE interaction_replays (
  signature TEXT PRIMARY KEY,
  seen_at TEXT NOT NULL
);
CREATE INDEX interaction_replays_seen ON interaction_replays (seen_at);
`;

export const migration003: Migration = {
  id: 3,
  name: 'notification-records',
  sqlite: common,
  postgres: common,
};
