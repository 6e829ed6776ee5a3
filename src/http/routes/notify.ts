/**
 * Resuming a run and delivering notifications: `GET /approvals/{id}/wait` (long-poll),
 * `GET /approvals/{id}/events` (Server-Sent Events) and `POST /approvals/{id}/deliver` (admin).
 * Waiters wake from the in-process event bus, which publishes only after COMMIT.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { ApprovalRequest } from '../../domain/approval.js';
import type { Principal } from '../../domain/principal.js';
import { InputError, PolicyError } from '../../errors/index.js';
import type { Clock } from '../../lib/clock.js';
import { parseDuration } from '../../lib/duration.js';
import type { DeliveryTarget } from '../../notify/evidence.js';
import { PROVIDER_NAMES } from '../../notify/providers.js';
import type { DeliveryWorker } from '../../notify/worker.js';
import { isAdmin, isRequester } from '../../services/access.js';
import type { EventBus } from '../../services/event-bus.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../principal.js';
import { closingSignal } from '../closing.js';
import { openSse } from '../sse.js';
import { IdParams, problemResponses, Str } from '../schemas/common.js';

export interface NotifyRouteDeps {
  bus: EventBus;
  /** The outbox worker (`deliver`). */
  delivery: DeliveryWorker;
  clock: Clock;
  /** SSE heartbeat interval (default 15 s). */
  heartbeatMs?: number;
  /** Longest an SSE stream stays open before the client reconnects (default 10 min). */
  maxStreamMs?: number;
}

type IdP = { Params: Static<typeof IdParams> };
const MAX_WAIT_MS = 60_000;
const DEFAULT_WAIT_MS = 30_000;
const DELIVERY_TARGETS = [...PROVIDER_NAMES, 'callback'] as const;

// a query string is text: seconds as digits, or a duration with a unit
const WaitQuery = Type.Object(
  { timeout: Type.Optional(Str(16, { pattern: '^[0-9]{1,9}(ms|s|m|h|d)?$' })) },
  { additionalProperties: false },
);
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
const DeliveryAttempt = Type.Object({
  at: Type.String(),
  durationMs: Type.Integer(),
  responseStatus: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});
const Delivery = Type.Object({
  id: Type.String(),
  provider: Type.String(),
  event: Type.String(),
  messageId: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  firstAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastAttemptAt: Type.Union([Type.String(), Type.Null()]),
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
  responseStatus: Type.Union([Type.Integer(), Type.Null()]),
  target: Type.Union([Type.String(), Type.Null()]),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  attemptLog: Type.Array(DeliveryAttempt),
});
const DeliverResponse = Type.Object({
  approvalId: Type.String(),
  deliveries: Type.Array(Delivery),
});

function waitMs(value: string | number | undefined): number {
  if (value === undefined) return DEFAULT_WAIT_MS;
  const ms =
    typeof value === 'string' && /^[0-9]+$/.test(value)
      ? Number(value) * 1000
      : parseDuration(value);
  if (ms === undefined || ms > MAX_WAIT_MS) {
    throw new InputError('validation_failed', 'timeout must be a duration of at most 60s', [
      { path: 'querystring:/timeout', message: 'must be a duration like 30s, at most 60s' },
    ]);
  }
  return ms;
}

/**
 * Resolves when the request leaves pending, its expiry passes, `ms` runs out, the client leaves
 * or the server starts closing (the waiter then gets the request as it is).
 */
function waitForChange(
  deps: NotifyRouteDeps,
  current: ApprovalRequest,
  ms: number,
  req: FastifyRequest,
  reread: () => Promise<ApprovalRequest['state']>,
  closing: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    const untilExpiry = Date.parse(current.expiresAt) - deps.clock.now();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      off();
      req.raw.off('close', finish);
      closing.removeEventListener('abort', finish);
      resolve();
    };
    const off = deps.bus.onApproval((c) => {
      if (c.approval.state !== 'pending') finish();
    }, current.id);
    // a pending request past its expiry reads as expired: wake then, even before the sweeper
    const timer = setTimeout(finish, Math.max(0, Math.min(ms, untilExpiry + 1)));
    req.raw.once('close', finish);
    if (closing.aborted) finish();
    else closing.addEventListener('abort', finish, { once: true });
    // a change committed between the first read and the subscription is caught here
    void reread().then(
      (state) => state !== 'pending' && finish(),
      () => finish(),
    );
  });
}

export const notifyRoutes: FastifyPluginAsync<NotifyRouteDeps & { services: Services }> = async (
  app,
  { services: s, ...deps },
) => {
  const ApprovalRef = Type.Ref('Approval');
  const closing = closingSignal(app);

  app.get<IdP & { Querystring: Static<typeof WaitQuery> }>(
    '/approvals/:id/wait',
    {
      config: { scopes: ['approvals:request', 'approvals:review', 'audit:read', 'gate:check'] },
      schema: {
        tags: ['approvals'],
        summary:
          'Long-poll until the request is no longer pending or the timeout (default 30s, max 60s) passes; 200 with the request as it is then',
        params: IdParams,
        querystring: WaitQuery,
        response: { 200: ApprovalRef, ...problemResponses },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const ms = waitMs(req.query.timeout);
      const first = await s.reads.get(p, req.params.id);
      assertRequesterOrAdmin(p, first);
      if (first.state !== 'pending') return first;
      await waitForChange(
        deps,
        first,
        ms,
        req,
        async () => (await s.reads.get(p, first.id)).state,
        closing,
      );
      // answered because the server is closing: do not keep the connection alive after it
      if (closing.aborted) reply.header('connection', 'close');
      return s.reads.get(p, req.params.id);
    },
  );

  app.get<IdP>(
    '/approvals/:id/events',
    {
      config: { scopes: ['approvals:request', 'approvals:review', 'audit:read', 'gate:check'] },
      schema: {
        tags: ['approvals'],
        summary:
          'Server-Sent Events: a `snapshot` event with the request now, then one event per change (`approved`, `denied`, `reviewed`, …) with the request as data',
        params: IdParams,
        response: { 200: Type.String({ description: 'text/event-stream' }), ...problemResponses },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const first = await s.reads.get(p, req.params.id);
      const serialize = reply.compileSerializationSchema(ApprovalRef as never) as (
        v: unknown,
      ) => string;
      // later changes are written as they come; none is lost between the read and the
      // subscription because the request is read again once subscribed
      let lastVersion = first.version;
      const write = (event: string, approval: ApprovalRequest) => {
        if (approval.version <= lastVersion) return;
        lastVersion = approval.version;
        stream.send(event, String(approval.version), serialize(s.reads.view(p, approval)));
      };
      const off = deps.bus.onApproval((c) => write(c.event, c.approval), first.id);
      const stream = openSse(req, reply, {
        heartbeatMs: deps.heartbeatMs ?? 15_000,
        maxStreamMs: deps.maxStreamMs ?? 10 * 60_000,
        onClose: off,
        signal: closing,
      });
      stream.send('snapshot', String(first.version), serialize(first));
      const now = await s.reads.get(p, first.id).catch(() => null);
      if (now) write(now.state, now);
    },
  );

  app.post<IdP & { Body: Static<typeof DeliverBody> }>(
    '/approvals/:id/deliver',
    {
      config: { scopes: ['admin'], optionalBody: true },
      schema: {
        tags: ['approvals'],
        summary:
          "Deliver the request's notifications now (admin); answers the redacted delivery evidence",
        params: IdParams,
        body: DeliverBody,
        response: { 200: DeliverResponse, ...problemResponses },
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (!isAdmin(p)) throw new PolicyError('forbidden', 'delivering notifications needs admin');
      await s.reads.get(p, req.params.id);
      const providers = req.body?.providers as DeliveryTarget[] | undefined;
      const deliveries = await deps.delivery.deliverNow(req.params.id, {
        ...(providers ? { providers } : {}),
        actor: p,
      });
      return { approvalId: req.params.id, deliveries };
    },
  );
};

function assertRequesterOrAdmin(p: Principal, req: ApprovalRequest): void {
  if (!isRequester(p, req) && !isAdmin(p)) {
    throw new PolicyError('forbidden', 'only the requester or an admin can wait on a request');
  }
}
