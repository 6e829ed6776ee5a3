/** Delivering a request's notifications now, on an admin's demand. */
import type { Principal } from '../domain/principal.js';
import { ServiceError } from '../errors/index.js';
import type { DeliveryView } from '../notify/delivery-view.js';
import type { DeliveryTarget } from '../notify/evidence.js';
import { assertAdmin } from './access.js';
import type { ServiceDeps } from './ports.js';
import type { ReadService } from './read-service.js';

export function createDeliveryService(
  deps: Pick<ServiceDeps, 'delivery'> & { reads: ReadService },
) {
  /**
   * Enqueues the notifications a request is missing and attempts every one not yet delivered;
   * answers the redacted delivery evidence. Admin only.
   */
  async function deliverNow(
    p: Principal,
    approvalId: string,
    providers?: readonly DeliveryTarget[],
  ): Promise<{ approvalId: string; deliveries: DeliveryView[] }> {
    assertAdmin(p, 'delivering notifications');
    await deps.reads.get(p, approvalId);
    if (!deps.delivery) throw new ServiceError('internal', 'notification delivery is not running');
    const deliveries = await deps.delivery.deliverNow(approvalId, {
      ...(providers ? { providers } : {}),
      actor: p,
    });
    return { approvalId, deliveries };
  }

  return { deliverNow };
}
