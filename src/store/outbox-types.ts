/**
 * Outbox records of the Store port: notification deliveries written in the transaction of the
 * change they announce and worked off after COMMIT. The store keeps them opaque (`payload` is
 * JSON text owned by notify/); it only orders, leases and records attempts.
 */

/** `pending`: not tried yet; `failed`: will be retried; `delivered` and `dead` are final. */
export type DeliveryRowStatus = 'pending' | 'delivered' | 'failed' | 'dead';

/** A row to enqueue. `(provider, messageId)` is unique: enqueueing it again changes nothing. */
export interface NewDelivery {
  id: string;
  approvalId: string;
  /** A provider name or `callback`. */
  provider: string;
  /** Notification kind: `requested`, `decided`, `break_glass`, `expiring_soon`. */
  event: string;
  /** The idempotency key receivers see (`webhook-id`); the same on every retry. */
  messageId: string;
  /** What to render, as JSON text (never a secret: URLs and tokens are read at send time). */
  payload: string;
  /** When the first attempt is due. */
  nextAttemptAt: string;
  createdAt: string;
}

/** One attempt, kept as redacted evidence. */
export interface DeliveryAttemptLog {
  startedAtMs: number;
  durationMs: number;
  /** HTTP status, or null when no response came (timeout, refused, not sent). */
  responseStatus: number | null;
  /** A short redacted reason (`http_500`, `timeout`, `missing_secret`), or null on success. */
  error: string | null;
}

export interface DeliveryRecord {
  id: string;
  approvalId: string;
  provider: string;
  event: string;
  messageId: string;
  payload: string;
  status: DeliveryRowStatus;
  attempts: number;
  /** When the next attempt is due; null once final. */
  nextAttemptAt: string | null;
  /** Redacted: never a URL's secret part, a token or a password. */
  lastError: string | null;
  responseStatus: number | null;
  /** The redacted target URL of the last attempt. */
  target: string | null;
  timings: DeliveryAttemptLog[];
  createdAt: string;
  updatedAt: string;
}

/** A row leased to one worker: only the holder of `leaseToken` can record its attempt. */
export interface ClaimedDelivery extends DeliveryRecord {
  leaseToken: string;
}

/** Claim only the rows of one approval, due or not (a manual "deliver now"); dead rows too. */
export interface DeliveryClaimScope {
  approvalId: string;
  /** Only these providers (names or `callback`); all when absent. */
  providers?: readonly string[];
}

export interface DeliveryAttemptUpdate {
  id: string;
  leaseToken: string;
  status: Exclude<DeliveryRowStatus, 'pending'>;
  /** Attempts so far, this one included. */
  attempts: number;
  /** Every attempt so far, this one last. */
  timings: DeliveryAttemptLog[];
  nextAttemptAt: string | null;
  lastError: string | null;
  responseStatus: number | null;
  target: string | null;
  atIso: string;
}

export interface OutboxTx {
  /** Inserts rows, skipping any whose (provider, messageId) exists; returns how many were new. */
  enqueueDeliveries(rows: readonly NewDelivery[]): Promise<number>;
  /**
   * Records an attempt and releases the lease, only while `leaseToken` still holds it. False,
   * changing nothing, when the lease was lost (it ran out and another worker took the row).
   */
  recordDeliveryAttempt(update: DeliveryAttemptUpdate): Promise<boolean>;
}

export interface OutboxStore {
  /**
   * Leases up to `limit` rows that are due at `nowIso` (pending or failed, next attempt at or
   * before now, no live lease) for `leaseMs`, oldest due first. Another worker or replica never
   * receives a row while its lease lasts. With `only`, claims that approval's rows whatever
   * their due time, dead ones included.
   */
  claimDueDeliveries(
    nowIso: string,
    limit: number,
    leaseMs: number,
    only?: DeliveryClaimScope,
  ): Promise<ClaimedDelivery[]>;
  /** The deliveries of an approval, oldest first. */
  listDeliveries(approvalId: string): Promise<DeliveryRecord[]>;
}
