/**
 * One HTTP attempt of a live request: bounded by a timeout, with the idempotency key, and a
 * result that holds no secret (status code or a short reason, never the URL or a header).
 */
import type { LiveRequest } from './request-spec.js';

export interface SendResult {
  readonly responseStatus: number | null;
  /** `null` on 2xx; else `http_<status>`, `timeout` or `network_<code>`. */
  readonly error: string | null;
  readonly durationMs: number;
}

/** Reads at most this much of a response body (to free the connection), then stops. */
const MAX_RESPONSE_BYTES = 64 * 1024;

function networkReason(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: unknown; name?: string } };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return 'timeout';
  if (e?.name === 'AbortError') return 'aborted';
  const code = e?.cause?.code;
  // only the error code: messages may quote the address or URL
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)
    ? `network_${code.toLowerCase()}`
    : 'network_error';
}

async function drain(res: Response): Promise<void> {
  if (!res.body) return;
  let read = 0;
  const reader = res.body.getReader();
  try {
    while (read < MAX_RESPONSE_BYTES) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } finally {
    reader.releaseLock();
  }
}

/** Sends `request` once. Never throws for a failed delivery: the result says what happened. */
export async function sendLiveRequest(
  request: LiveRequest,
  opts: { timeoutMs: number; fetch?: typeof fetch; signal?: AbortSignal },
): Promise<SendResult> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  try {
    const res = await (opts.fetch ?? fetch)(request.url, {
      method: request.method,
      // receivers de-duplicate on this: the same on every retry of this notification
      headers: { ...request.headers, 'idempotency-key': request.messageId },
      body: request.body,
      signal,
      redirect: 'manual',
    });
    await drain(res).catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return {
      responseStatus: res.status,
      error: ok ? null : `http_${res.status}`,
      durationMs: performance.now() - started,
    };
  } catch (err) {
    return {
      responseStatus: null,
      error: timeout.aborted ? 'timeout' : networkReason(err),
      durationMs: performance.now() - started,
    };
  }
}

/**
 * Whether a failed attempt is worth retrying: no response, 5xx, 408, 425 and 429 are; another
 * 4xx (the receiver rejects this request) or a redirect (never followed) is not.
 */
export function isRetryable(result: Pick<SendResult, 'responseStatus' | 'error'>): boolean {
  const s = result.responseStatus;
  if (s === null) return result.error !== 'callback_not_allowed';
  return s >= 500 || s === 408 || s === 425 || s === 429;
}

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from
 * [0, min(maxDelay, initialDelay · 2^(attempts-1))], so retries from many failures spread out.
 */
export function backoffDelayMs(
  attempts: number,
  retry: { readonly initialDelayMs: number; readonly maxDelayMs: number },
  random: () => number = Math.random,
): number {
  const exp = Math.min(30, Math.max(0, attempts - 1));
  const cap = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** exp);
  return Math.floor(random() * cap);
}
