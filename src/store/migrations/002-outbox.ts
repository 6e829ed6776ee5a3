import type { Migration } from './migration.js';

/**
 * The notification outbox: one row per (provider, message id), written in the transaction of the
 * change it announces and delivered after COMMIT by the worker. `message_id` is the idempotency
 * key receivers see (`webhook-id`). `lease_token`/`lease_until` mark a row a worker is sending,
 * so no other worker or replica takes it until the lease runs out. Times are ISO 8601 text, like
 * the rest of the schema, so they compare as strings.
 */
const common = `
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  approval_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  event TEXT NOT NULL,
  message_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at TEXT,
  lease_token TEXT,
  lease_until TEXT,
  last_error TEXT,
  response_status INTEGER,
  target TEXT,
  timings TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX deliveries_message ON deliveries (provider, message_id);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_approval ON deliveries (approval_id, created_at);
`;

export const migration002: Migration = {
  id: 2,
  name: 'outbox',
  sqlite: common,
  postgres: common,
};
