import type { Migration } from './migration.js';

/**
 * Delivery rows written before callback URLs were redacted in the outbox kept the request's full
 * `callbackUrl` (which may carry a secret) in `payload`. The worker now reads the real URL from
 * the request when it sends, so the stored copy is replaced by a redaction mark.
 */
export const migration007: Migration = {
  id: 7,
  name: 'redact-delivery-callbacks',
  sqlite: `
UPDATE deliveries
   SET payload = json_set(payload, '$.approval.callbackUrl', '…')
 WHERE json_valid(payload)
   AND json_type(payload, '$.approval.callbackUrl') = 'text';
`,
  postgres: `
UPDATE deliveries
   SET payload = jsonb_set(payload::jsonb, '{approval,callbackUrl}', '"…"'::jsonb)::text
 WHERE jsonb_typeof(payload::jsonb #> '{approval,callbackUrl}') = 'string';
`,
};
