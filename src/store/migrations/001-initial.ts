import type { Migration } from './migration.js';

const common = (blob: string): string => `
CREATE TABLE decisions (
  id TEXT PRIMARY KEY,
  action_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  doc TEXT NOT NULL
);

CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  action_hash TEXT NOT NULL,
  environment TEXT NOT NULL,
  project TEXT NOT NULL,
  kind TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  groups_text TEXT NOT NULL,
  search_text TEXT NOT NULL,
  break_glass INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  decided_at TEXT,
  doc TEXT NOT NULL
);
-- one pending request per action hash: idempotent creation holds under concurrency
CREATE UNIQUE INDEX approvals_pending_action ON approvals (action_hash) WHERE state = 'pending';
CREATE INDEX approvals_created ON approvals (created_at, id);
CREATE INDEX approvals_state_expiry ON approvals (state, expires_at);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  scopes TEXT NOT NULL,
  groups_text TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);

-- One credential per approval, issued in the transaction that approves it. The token is served
-- only to the requester and admins, never in listings or logs.
CREATE TABLE credentials (
  approval_id TEXT PRIMARY KEY,
  jti TEXT NOT NULL UNIQUE,
  kid TEXT NOT NULL,
  token TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);

CREATE TABLE consumed_credentials (
  jti TEXT PRIMARY KEY,
  approval_id TEXT NOT NULL,
  consumed_at TEXT NOT NULL
);

CREATE TABLE pipeline_versions (
  project TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  version TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  registered_by TEXT NOT NULL,
  PRIMARY KEY (project, spec_hash)
);

-- The audit log: one row per event, in log order. event_json is exactly the JCS text hashed
-- into leaf idx; the columns beside it are copies for filtering.
CREATE TABLE audit_events (
  idx BIGINT PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  at TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  environment TEXT,
  project TEXT,
  approval_id TEXT,
  event_json TEXT NOT NULL
);
CREATE INDEX audit_events_approval ON audit_events (approval_id, idx);
CREATE INDEX audit_events_type ON audit_events (type, idx);

-- Perfect-subtree hashes of the Merkle tree (level 0 = leaves) for O(log n) proofs.
CREATE TABLE audit_nodes (
  level INTEGER NOT NULL,
  idx BIGINT NOT NULL,
  hash ${blob} NOT NULL,
  PRIMARY KEY (level, idx)
);

-- The single row that orders appends: tree size and compact range (right-edge subtree roots).
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY,
  size BIGINT NOT NULL,
  compact_range TEXT NOT NULL
);
INSERT INTO audit_head (id, size, compact_range) VALUES (1, 0, '[]');

CREATE TABLE audit_checkpoints (
  size BIGINT PRIMARY KEY,
  root_hash TEXT NOT NULL,
  note TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`;

export const migration001: Migration = {
  id: 1,
  name: 'initial',
  sqlite: common('BLOB'),
  postgres: common('BYTEA'),
};
