/**
 * Long-poll plumbing for `GET /approvals/{id}/wait`: the `timeout` query parameter and the wait
 * itself, which wakes from the in-process event bus (published only after COMMIT).
 */
import type { FastifyRequest } from 'fastify';
import type { ApprovalRequest } from '../domain/approval.js';
import { InputError } from '../errors/index.js';
import type { Clock } from '../lib/clock.js';
import { parseDuration } from '../lib/duration.js';
import type { EventBus } from '../services/event-bus.js';

const MAX_WAIT_MS = 60_000;
const DEFAULT_WAIT_MS = 30_000;

/** The `timeout` of a wait in ms: seconds as digits or a duration, at most 60 s (default 30 s). */
export function waitMs(value: string | number | undefined): number {
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
export function waitForChange(
  deps: { bus: EventBus; clock: Clock },
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
