import type { Migration } from './migration.js';

/**
 * The durable sequence of audit events not yet in the Merkle tree. A transaction that changes
 * state appends its event here (no lock shared by other writers); the integrator moves committed
 * rows into `audit_events` in batches, giving them contiguous log indices, and deletes them here
 * in the same transaction. `seq` only orders a batch: it is not the log index.
 */
const table = (seq: string) => `
CREATE TABLE audit_pending (
  seq ${seq},
  event_json TEXT NOT NULL,
  appended_at TEXT NOT NULL
);
`;

export const migration011: Migration = {
  id: 11,
  name: 'audit-sequence',
  sqlite: table('INTEGER PRIMARY KEY AUTOINCREMENT'),
  postgres: table('BIGSERIAL PRIMARY KEY'),
};
