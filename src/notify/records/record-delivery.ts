/**
 * Delivering a notification to a provider that keeps one record per request (Slack Web API,
 * Jira and ServiceNow with `record:`): the first event creates the record and stores its key
 * (notification_records), every later event updates that record.
 *
 * Idempotent create: the stored key is read before creating; without one, the provider is asked
 * for a record of this request (ServiceNow: `correlation_id`, Jira: the `countersign-<id>` label)
 * so that a create whose key was lost (the process stopped between the create and storing its
 * key) is found rather than made twice. Slack offers no such lookup: there, that window can
 * leave a second message. A later event that finds no record while the create is still being
 * retried waits for it (`record_pending`, retried); once the create is final (or was never
 * enqueued) the later event creates the record itself.
 */
import type { ClaimedDelivery, Store } from '../../store/port.js';
import { isoAt, type Clock } from '../../lib/clock.js';
import { parseOutboxPayload } from '../outbox.js';
import type { SecretLookup } from '../request-spec.js';
import type { NotifyContext } from '../summary.js';
import { RECORD_DRIVERS, type DriverContext, type StepResult } from './drivers.js';
import type { HttpCallOptions } from './http-call.js';

export interface RecordDeliveryDeps {
  readonly store: Pick<
    Store,
    'listNotificationRecords' | 'listDeliveries' | 'getApproval' | 'transaction'
  >;
  readonly notify: NotifyContext;
  readonly secrets: SecretLookup;
  readonly clock: Clock;
  readonly http: HttpCallOptions;
}

export interface RecordAttempt {
  readonly responseStatus: number | null;
  readonly error: string | null;
  readonly url: string | null;
  readonly permanent: boolean;
}

const CREATING = new Set(['requested', 'break_glass']);

function done(r: StepResult): RecordAttempt {
  return { responseStatus: r.status, error: r.error, url: r.url, permanent: r.permanent };
}

/** Whether the create of this request's record is still being tried by another row. */
async function createInFlight(deps: RecordDeliveryDeps, row: ClaimedDelivery): Promise<boolean> {
  const rows = await deps.store.listDeliveries(row.approvalId);
  return rows.some(
    (d) =>
      d.provider === row.provider &&
      d.id !== row.id &&
      CREATING.has(d.event) &&
      (d.status === 'pending' || d.status === 'failed'),
  );
}

export async function deliverRecord(
  row: ClaimedDelivery,
  deps: RecordDeliveryDeps,
): Promise<RecordAttempt> {
  const provider = row.provider as keyof typeof RECORD_DRIVERS;
  const driver = RECORD_DRIVERS[provider];
  const { event, approval } = parseOutboxPayload(row.payload);
  const needs = driver.needs(deps.notify.config);
  const values = needs.map((n) => deps.secrets(n));
  const missing = needs.filter((_, i) => values[i] === undefined || values[i] === '');
  if (missing.length > 0) {
    return {
      responseStatus: null,
      error: `missing_secret:${missing.join(',')}`,
      url: null,
      permanent: false,
    };
  }
  const current = (await deps.store.getApproval(approval.id)) ?? approval;
  const ctx: DriverContext = {
    approval,
    current,
    event,
    notify: deps.notify,
    values: values as string[],
    http: deps.http,
  };
  const stored = (await deps.store.listNotificationRecords(approval.id)).find(
    (r) => r.provider === provider,
  );
  if (stored) {
    const r = await driver.update(ctx, stored.key, stored.channel);
    if (r.error === null) {
      await deps.store.transaction((tx) =>
        tx.touchNotificationRecord(approval.id, provider, isoAt(deps.clock.now())),
      );
    }
    return done(r);
  }
  if (!CREATING.has(event.kind) && (await createInFlight(deps, row))) {
    return { responseStatus: null, error: 'record_pending', url: null, permanent: false };
  }
  let found: StepResult | null = null;
  if (driver.lookup) {
    found = await driver.lookup(ctx);
    if (found.error !== null) return done(found);
  }
  const created = found?.key ? found : await driver.create(ctx);
  if (created.error !== null || !created.key) return done(created);
  const nowIso = isoAt(deps.clock.now());
  await deps.store.transaction((tx) =>
    tx.saveNotificationRecord({
      approvalId: approval.id,
      provider,
      key: created.key as string,
      channel: created.channel ?? null,
      createdAt: nowIso,
      updatedAt: nowIso,
    }),
  );
  // a later event that had to create the ticket still adds what it announces (a Slack message
  // is rendered from the request as it stands, so its create already shows everything)
  if (!CREATING.has(event.kind) && provider !== 'slack') {
    const r = await driver.update(ctx, created.key, created.channel ?? null);
    return done({ ...r, url: created.url ?? r.url });
  }
  return done(created);
}
