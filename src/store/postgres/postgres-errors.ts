/**
 * Which PostgreSQL failures mean "the database is not reachable now" (restart, failover, network)
 * rather than a bug: those become `audit_unavailable` (503) so that callers retry, and never a 500.
 * The transaction they interrupted rolled back, except when the connection died during COMMIT:
 * then PostgreSQL may or may not have committed, and a client re-reads before it retries.
 */
import { isCountersignError, ServiceError } from '../../errors/index.js';

/** SQLSTATE classes and codes of a lost or refused connection. */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-4])/;
const UNAVAILABLE_SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error) || isCountersignError(err)) return false;
  const code = (err as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET.has(code))
  ) {
    return true;
  }
  // pg's own messages for a connection that ended or never came
  return /^Connection terminated|^Client has encountered a connection error|timeout exceeded when trying to connect/.test(
    err.message,
  );
}

/** `err` as the 503 a caller should see when it is an availability failure; else unchanged. */
export function asUnavailable(err: unknown): unknown {
  if (!isUnavailable(err)) return err;
  return new ServiceError('audit_unavailable', 'the store is unavailable; try again', {
    cause: err,
  });
}
