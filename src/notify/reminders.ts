/**
 * "Expiring soon" reminders: a periodic task that enqueues one reminder per pending request that
 * will expire within `notifications.remindBefore`. The outbox's unique (provider, message id)
 * makes repeated runs (and several replicas) enqueue each reminder once.
 */
import type { NotificationsConfig } from '../config/config-types.js';
import { isoAt, type Clock } from '../lib/clock.js';
import type { IdGenerator } from '../lib/ids.js';
import type { Store } from '../store/port.js';
import type { NotificationEvent } from './events.js';
import { deliveryRows } from './outbox.js';

export interface ReminderDeps {
  store: Pick<Store, 'listExpiredPending' | 'transaction'>;
  clock: Clock;
  ids: IdGenerator;
  config: NotificationsConfig;
}

/** One pass; returns how many requests got reminder rows (already-enqueued ones count too). */
export async function enqueueExpiryReminders(deps: ReminderDeps, limit = 200): Promise<number> {
  if (deps.config.remindBeforeMs <= 0) return 0;
  const now = deps.clock.now();
  const due = (
    await deps.store.listExpiredPending(isoAt(now + deps.config.remindBeforeMs), limit)
  ).filter((a) => Date.parse(a.expiresAt) > now);
  let n = 0;
  for (const approval of due) {
    // the reminder's time is the request's expiry, so every pass renders the same message
    const event: NotificationEvent = { kind: 'expiring_soon', at: approval.expiresAt };
    const rows = deliveryRows(approval, event, deps.config, { ids: deps.ids, nowIso: isoAt(now) });
    if (rows.length === 0) continue;
    await deps.store.transaction(async (tx) => tx.enqueueDeliveries(rows));
    n++;
  }
  return n;
}
