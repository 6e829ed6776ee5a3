/** Outbox row mapping shared by both SQL adapters. */
import { randomBytes } from 'node:crypto';
import type {
  ClaimedDelivery,
  DeliveryAttemptLog,
  DeliveryRecord,
  DeliveryRowStatus,
} from './outbox-types.js';

export interface DeliveryRow {
  id: string;
  approval_id: string;
  provider: string;
  event: string;
  message_id: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  lease_token: string | null;
  lease_until: string | null;
  last_error: string | null;
  response_status: number | null;
  target: string | null;
  timings: string;
  created_at: string;
  updated_at: string;
}

export const DELIVERY_INSERT_SQL_COLUMNS =
  'id, approval_id, provider, event, message_id, payload, status, attempts, next_attempt_at, timings, created_at, updated_at';

export function deliveryFromRow(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    approvalId: row.approval_id,
    provider: row.provider,
    event: row.event,
    messageId: row.message_id,
    payload: row.payload,
    status: row.status as DeliveryRowStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    responseStatus: row.response_status === null ? null : Number(row.response_status),
    target: row.target,
    timings: JSON.parse(row.timings) as DeliveryAttemptLog[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function claimedFromRow(row: DeliveryRow): ClaimedDelivery {
  if (row.lease_token === null) throw new Error('claimed delivery row has no lease token');
  return { ...deliveryFromRow(row), leaseToken: row.lease_token };
}

/** A fresh, unguessable lease token per claim. */
export function newLeaseToken(): string {
  return `lease_${randomBytes(12).toString('hex')}`;
}

export function leaseUntil(nowIso: string, leaseMs: number): string {
  if (!Number.isInteger(leaseMs) || leaseMs <= 0) {
    throw new TypeError('leaseMs must be a positive integer');
  }
  return new Date(Date.parse(nowIso) + leaseMs).toISOString();
}

export function assertClaimLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new TypeError('limit must be an integer between 1 and 1000');
  }
}
