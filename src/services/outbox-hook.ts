/**
 * The outbox writer: a ChangeHook that, inside the transaction of a request change, enqueues one
 * delivery per configured provider for the notifications config asks for, plus the decision
 * callback when the request has a callbackUrl. Only inserts: nothing slow runs in the
 * transaction; the delivery worker sends after COMMIT.
 */
import type { NotificationsConfig } from '../config/config-types.js';
import { isoAt, type Clock } from '../lib/clock.js';
import type { IdGenerator } from '../lib/ids.js';
import { deliveryRows, notificationFor } from '../notify/outbox.js';
import type { ChangeHook } from './ports.js';

export interface OutboxHookDeps {
  readonly config: NotificationsConfig;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/**
 * The ChangeHook that writes the outbox in the transaction of each change.
 *
 * @example
 * ```ts
 * const changeHook = createOutboxHook({ config: config.notifications, clock, ids });
 * createServices({ ...deps, changeHook });
 * ```
 */
export function createOutboxHook(deps: OutboxHookDeps): ChangeHook {
  return {
    async onChange(tx, approval, change) {
      const event = notificationFor(approval, change);
      if (event === null) return;
      const rows = deliveryRows(approval, event, deps.config, {
        ids: deps.ids,
        nowIso: isoAt(deps.clock.now()),
      });
      if (rows.length > 0) await tx.enqueueDeliveries(rows);
    },
  };
}
