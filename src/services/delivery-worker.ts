/**
 * The delivery worker: works off the outbox after COMMIT. It wakes when the event bus reports a
 * committed change and also polls (bounded interval), so pending work left by a restart or by
 * another replica resumes. Each row is leased while it is sent (another worker or replica never
 * takes it), sent once with a timeout, then recorded; a final outcome (delivered or dead) and its
 * audit event commit in one transaction, so a restart never sends a recorded delivery again.
 *
 * At least once, not exactly once: a crash between the send and its record leaves the row leased;
 * when the lease runs out it is sent again with the same message id (`webhook-id`,
 * `idempotency-key`), which receivers use to drop the duplicate.
 */
import type { NotificationsConfig } from '../config/config-types.js';
import type { ApprovalRequest } from '../domain/approval.js';
import { SYSTEM_PRINCIPAL, type Principal } from '../domain/principal.js';
import { ConflictError, isCountersignError } from '../errors/index.js';
import { isoAt, type Clock } from '../lib/clock.js';
import type { IdGenerator } from '../lib/ids.js';
import { approvalFields, auditEvent } from './audit-events.js';
import type { EventBus } from './event-bus.js';
import type { ClaimedDelivery, DeliveryAttemptLog, Store } from '../store/port.js';
import { viewDelivery, type DeliveryView } from '../notify/delivery-view.js';
import { eventsFor, type NotificationEvent } from '../notify/events.js';
import { deliveryEvidence, type DeliveryTarget } from '../notify/evidence.js';
import { deliveryRows, parseOutboxPayload } from '../notify/outbox.js';
import { isRecordProvider, PROVIDER_NAMES, type ProviderName } from '../notify/providers.js';
import { deliverRecord } from '../notify/records/record-delivery.js';
import {
  buildCallbackRequest,
  buildLiveRequest,
  type LiveRequestResult,
  type SecretLookup,
} from '../notify/request-spec.js';
import { backoffDelayMs, isRetryable, sendLiveRequest, type SendResult } from '../notify/send.js';
import type { DeliverNowOptions, DeliverySender, NotificationDelivery } from './ports.js';

export type { DeliverySender } from './ports.js';

/** A pino-compatible logger; it only ever receives redacted fields. */
export interface DeliveryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DeliveryWorkerOptions {
  readonly store: Store;
  /** Wakes the worker after each committed change; null = poll only. */
  readonly bus: EventBus | null;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly config: NotificationsConfig;
  /** `server.publicUrl`, for console links. */
  readonly consoleUrl: string;
  /** Reads a secret by its environment variable name (config's `readSecretEnv`). */
  readonly secrets: SecretLookup;
  readonly fetch?: typeof fetch;
  /** Per-attempt timeout (default 10 s). */
  readonly timeoutMs?: number;
  /** Longest pause between polls of the outbox (default 1 s). */
  readonly pollMs?: number;
  /** Rows claimed per round (default 16). */
  readonly batch?: number;
  /** Jitter source, [0, 1). */
  readonly random?: () => number;
  readonly logger?: DeliveryLogger;
  /** Senders of outbox rows that are not notifications, by provider name (e.g. `github_deployment`). */
  readonly senders?: Readonly<Record<string, DeliverySender>>;
}

export interface DeliveryWorker extends NotificationDelivery {
  /** Subscribes to the bus and starts polling; `logger` replaces the one given at creation. */
  start(logger?: DeliveryLogger): void;
  /** Stops polling, aborts sends in flight (recorded as retryable) and waits for them. */
  stop(): Promise<void>;
  /** One pass over the due rows; resolves with how many were attempted. */
  runDue(): Promise<number>;
  /** The redacted evidence of an approval's deliveries. */
  list(approvalId: string): Promise<DeliveryView[]>;
}

const MAX_ROUNDS_PER_PASS = 20;
const OTHERS_POLL_MS = 50;

/** The notifications a request has announced by now (break-glass: only the loud one). */
function announced(approval: ApprovalRequest): NotificationEvent[] {
  const all = eventsFor(approval);
  if (!approval.breakGlass) return all;
  return all.filter(
    (e) => e.kind === 'break_glass' || (e.kind === 'decided' && e.outcome !== 'approved'),
  );
}

function isProvider(target: string): target is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(target);
}

interface Attempted {
  readonly result: SendResult & { readonly startedAtMs: number };
  readonly url: string | null;
  /** The redacted target of a row sent by a {@link DeliverySender}. */
  readonly target?: string | null;
  /** The receiver or our own rules refuse this delivery for good. */
  readonly permanent: boolean;
}

export function createDeliveryWorker(o: DeliveryWorkerOptions): DeliveryWorker {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const pollMs = o.pollMs ?? 1000;
  const batch = o.batch ?? 16;
  // long enough that a send (bounded by timeoutMs) always finishes inside its lease
  const leaseMs = 2 * timeoutMs + 5000;
  const stopSignal = new AbortController();
  let stopped = false;
  let started = false;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let timerAt = Infinity;
  let unsubscribe: (() => void) | null = null;
  const inFlight = new Set<Promise<unknown>>();
  let logger = o.logger;

  const nowIso = (): string => isoAt(o.clock.now());

  async function build(
    row: ClaimedDelivery,
  ): Promise<{ built: LiveRequestResult } | { refused: true }> {
    const { event, approval } = parseOutboxPayload(row.payload);
    const ctx = { consoleUrl: o.consoleUrl, config: o.config };
    const sentAt = o.clock.now();
    if (row.provider === 'callback') {
      // the row holds the URL redacted: the real one (with any secret in it) lives on the request
      const callbackUrl = (await o.store.getApproval(row.approvalId))?.callbackUrl ?? null;
      if (callbackUrl === null) return { refused: true };
      const target = { ...approval, callbackUrl };
      try {
        return { built: buildCallbackRequest(event, target, ctx, o.secrets, { sentAt }) };
      } catch (err) {
        // the allowlist no longer admits this URL (it is checked again at every delivery)
        if (isCountersignError(err) && err.code === 'forbidden') return { refused: true };
        throw err;
      }
    }
    if (!isProvider(row.provider)) throw new TypeError('unknown delivery provider');
    return { built: buildLiveRequest(row.provider, event, approval, ctx, o.secrets, { sentAt }) };
  }

  async function attempt(row: ClaimedDelivery): Promise<Attempted> {
    const startedAtMs = o.clock.now();
    if (isRecordProvider(row.provider, o.config)) {
      const started = performance.now();
      const r = await deliverRecord(row, {
        store: o.store,
        notify: { consoleUrl: o.consoleUrl, config: o.config },
        secrets: o.secrets,
        clock: o.clock,
        http: { timeoutMs, signal: stopSignal.signal, ...(o.fetch ? { fetch: o.fetch } : {}) },
      });
      const durationMs = performance.now() - started;
      return {
        result: { responseStatus: r.responseStatus, error: r.error, durationMs, startedAtMs },
        url: r.url,
        permanent: r.permanent,
      };
    }
    const sender = o.senders?.[row.provider];
    if (sender) {
      const r = await sender.send(row.payload, { signal: stopSignal.signal, timeoutMs });
      return {
        result: { ...r, startedAtMs },
        url: null,
        target: r.target,
        permanent: r.error !== null && !isRetryable(r),
      };
    }
    const b = await build(row);
    if ('refused' in b) {
      return {
        result: { responseStatus: null, error: 'callback_not_allowed', durationMs: 0, startedAtMs },
        url: null,
        permanent: true,
      };
    }
    if (!b.built.ok) {
      // names of the variables, never their values
      const error = `${b.built.problem}:${b.built.envNames.join(',')}`;
      return {
        result: { responseStatus: null, error, durationMs: 0, startedAtMs },
        url: null,
        permanent: false,
      };
    }
    const request = b.built.request;
    const result = await sendLiveRequest(request, {
      timeoutMs,
      signal: stopSignal.signal,
      ...(o.fetch ? { fetch: o.fetch } : {}),
    });
    return {
      result: { ...result, startedAtMs },
      url: request.url,
      permanent: result.error !== null && !isRetryable(result),
    };
  }

  async function record(
    row: ClaimedDelivery,
    a: Attempted,
    actor: Principal,
  ): Promise<{ status: 'delivered' | 'failed' | 'dead'; retryInMs: number | null }> {
    const attempts = row.attempts + 1;
    const r = a.result;
    const log: DeliveryAttemptLog = {
      startedAtMs: r.startedAtMs,
      durationMs: r.durationMs,
      responseStatus: r.responseStatus,
      error: r.error,
    };
    const timings = [...row.timings, log];
    const status =
      r.error === null
        ? 'delivered'
        : a.permanent || attempts >= o.config.retry.attempts
          ? 'dead'
          : 'failed';
    // a stop mid-send is our doing, not the receiver's: retry at once after the restart
    const retryInMs =
      status !== 'failed'
        ? null
        : r.error === 'aborted'
          ? 0
          : backoffDelayMs(attempts, o.config.retry, o.random);
    const evidence =
      a.url === null
        ? null
        : deliveryEvidence({
            provider: row.provider as DeliveryTarget,
            event: row.event as NotificationEvent['kind'],
            status,
            url: a.url,
            attempts: timings,
          });
    const at = o.clock.now();
    const recorded = await o.store.transaction(async (tx) => {
      const ok = await tx.recordDeliveryAttempt({
        id: row.id,
        leaseToken: row.leaseToken,
        status,
        attempts,
        timings,
        nextAttemptAt: retryInMs === null ? null : isoAt(at + retryInMs),
        lastError: r.error,
        responseStatus: r.responseStatus,
        target: evidence?.target ?? a.target ?? row.target,
        atIso: isoAt(at),
      });
      if (ok && status !== 'failed') {
        const sender = o.senders?.[row.provider];
        const fields = sender
          ? sender.auditFields(row.payload)
          : approvalFields(parseOutboxPayload(row.payload).approval);
        const first = timings[0] ?? log;
        await tx.appendAudit(
          auditEvent(
            { clock: o.clock, ids: o.ids },
            status === 'delivered' ? 'notification.delivered' : 'notification.failed',
            actor,
            {
              ...fields,
              outcome: status,
              reasonCode: r.error === null ? null : (r.error.split(':')[0] ?? null),
              // no URL, token or signature: what was sent where is named by provider and message id
              details: {
                provider: row.provider,
                notification: row.event,
                messageId: row.messageId,
                attempts,
                responseStatus: r.responseStatus,
                durationMs: Math.round(r.startedAtMs + r.durationMs - first.startedAtMs),
              },
            },
          ),
        );
      }
      return ok;
    });
    const fields = {
      approvalId: row.approvalId,
      provider: row.provider,
      notification: row.event,
      messageId: row.messageId,
      status,
      attempts,
      responseStatus: r.responseStatus,
      error: r.error,
      target: evidence?.target ?? null,
    };
    if (!recorded) logger?.warn(fields, 'delivery lease lost; another worker owns it now');
    else if (status === 'delivered') logger?.info(fields, 'notification delivered');
    else
      logger?.warn(
        fields,
        status === 'dead' ? 'notification dead' : 'notification failed; will retry',
      );
    return { status, retryInMs };
  }

  async function deliverClaimed(row: ClaimedDelivery, actor: Principal): Promise<void> {
    const work = (async () => {
      const a = await attempt(row);
      const { retryInMs } = await record(row, a, actor);
      if (retryInMs !== null) schedule(retryInMs);
    })();
    inFlight.add(work);
    try {
      await work;
    } catch (err) {
      logger?.error({ err: errorName(err), deliveryId: row.id }, 'delivery failed unexpectedly');
    } finally {
      inFlight.delete(work);
    }
  }

  async function pass(): Promise<number> {
    let attempted = 0;
    for (let round = 0; round < MAX_ROUNDS_PER_PASS && !stopped; round++) {
      const claimed = await o.store.claimDueDeliveries(nowIso(), batch, leaseMs);
      if (claimed.length === 0) break;
      attempted += claimed.length;
      await Promise.all(claimed.map((row) => deliverClaimed(row, SYSTEM_PRINCIPAL)));
      if (claimed.length < batch) break;
    }
    return attempted;
  }

  function schedule(delayMs: number): void {
    if (stopped || !started) return;
    const delay = Math.max(0, Math.min(delayMs, pollMs));
    const at = Date.now() + delay;
    if (timer !== null && timerAt <= at) return;
    if (timer !== null) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = null;
      timerAt = Infinity;
      kick();
    }, delay);
    timer.unref();
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await pass();
        } catch (err) {
          logger?.error({ err: errorName(err) }, 'outbox pass failed');
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
      schedule(pollMs);
    });
  }

  async function list(approvalId: string): Promise<DeliveryView[]> {
    return (await o.store.listDeliveries(approvalId)).map(viewDelivery);
  }

  async function deliverNow(
    approvalId: string,
    opts: DeliverNowOptions = {},
  ): Promise<DeliveryView[]> {
    const approval = await o.store.getApproval(approvalId);
    if (!approval) throw new ConflictError('not_found', `approval ${approvalId} not found`);
    const ids = {
      ids: o.ids,
      nowIso: nowIso(),
      ...(opts.providers ? { only: opts.providers } : {}),
    };
    const rows = announced(approval).flatMap((e) => deliveryRows(approval, e, o.config, ids));
    if (rows.length > 0) await o.store.transaction((tx) => tx.enqueueDeliveries(rows));
    const scope = { approvalId, ...(opts.providers ? { providers: opts.providers } : {}) };
    const claimed = await o.store.claimDueDeliveries(nowIso(), 100, leaseMs, scope);
    await Promise.all(claimed.map((row) => deliverClaimed(row, opts.actor ?? SYSTEM_PRINCIPAL)));
    const wanted = (d: { provider: string }) =>
      opts.providers === undefined || opts.providers.includes(d.provider as DeliveryTarget);
    // rows another worker is sending right now: wait (bounded) for their outcome
    const deadline = Date.now() + timeoutMs + 1000;
    let views = (await list(approvalId)).filter(wanted);
    while (Date.now() < deadline && views.some((v) => v.status === 'pending')) {
      await new Promise((r) => setTimeout(r, OTHERS_POLL_MS));
      views = (await list(approvalId)).filter(wanted);
    }
    return views;
  }

  return {
    start(log?: DeliveryLogger) {
      if (started || stopped) return;
      started = true;
      if (log) logger = log;
      // its own changes only: the replica that commits a change kicks its own worker, and the
      // others would only race it for the same rows (their poll still finds what it leaves)
      if (o.bus) unsubscribe = o.bus.onOwnApproval(() => kick());
      kick();
    },
    async stop() {
      stopped = true;
      unsubscribe?.();
      unsubscribe = null;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      stopSignal.abort();
      await running;
      await Promise.allSettled([...inFlight]);
    },
    runDue: () => pass(),
    deliverNow,
    list,
  };
}

function errorName(err: unknown): string {
  // the name only: messages of network errors may quote a URL
  return err instanceof Error ? err.name : 'unknown';
}
