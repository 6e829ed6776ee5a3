/**
 * Delivering notifications now: `POST /approvals/{id}/deliver` (admin), answering the redacted
 * delivery evidence. The outbox worker delivers on its own otherwise.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { Clock } from '../../lib/clock.js';
import type { DeliveryTarget } from '../../notify/evidence.js';
import { PROVIDER_NAMES } from '../../notify/providers.js';
import type { EventBus } from '../../services/event-bus.js';
import type { Services } from '../../services/index.js';
import { DeliverResponse } from '../schemas/resources.js';
import { principalOf } from '../principal.js';
import { IdParams, problemResponses } from '../schemas/common.js';

/** What the notification-backed routes need: the bus and clock for waits and streams. */
export interface NotifyRouteDeps {
  bus: EventBus;
  clock: Clock;
  /** SSE heartbeat interval (default 15 s). */
  heartbeatMs?: number;
  /** Longest an SSE stream stays open before the client reconnects (default 10 min). */
  maxStreamMs?: number;
}

type IdP = { Params: Static<typeof IdParams> };
const DELIVERY_TARGETS = [...PROVIDER_NAMES, 'callback'] as const;

const DeliverBody = Type.Object(
  {
    providers: Type.Optional(
      Type.Array(Type.Union(DELIVERY_TARGETS.map((p) => Type.Literal(p))), {
        minItems: 1,
        maxItems: DELIVERY_TARGETS.length,
        uniqueItems: true,
      }),
    ),
  },
  { additionalProperties: false },
);

export const notifyRoutes: FastifyPluginAsync<{ services: Services }> = async (
  app,
  { services: s },
) => {
  app.post<IdP & { Body: Static<typeof DeliverBody> }>(
    '/approvals/:id/deliver',
    {
      config: { scopes: ['admin'], optionalBody: true },
      schema: {
        operationId: 'deliverNotifications',
        tags: ['approvals'],
        summary:
          "Deliver the request's notifications now (admin); answers the redacted delivery evidence",
        params: IdParams,
        body: DeliverBody,
        response: { 200: DeliverResponse, ...problemResponses },
      },
    },
    async (req) =>
      s.deliveries.deliverNow(
        principalOf(req),
        req.params.id,
        req.body?.providers as DeliveryTarget[] | undefined,
      ),
  );
};
