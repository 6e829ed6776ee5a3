import type { JSONWebKeySet } from 'jose';

/** A JWKS is a few hundred bytes per key; anything larger than this is not one. */
const MAX_JWKS_BYTES = 1024 * 1024;

/**
 * The key set could not be fetched or is not a JWKS. Verification without keys fails closed:
 * callers report `keyset_unavailable`.
 *
 * @example
 * ```ts
 * try {
 *   await fetchJwks('https://countersign.example/.well-known/jwks.json');
 * } catch (err) {
 *   if (err instanceof KeySetUnavailableError) console.error(err.code, err.message);
 * }
 * ```
 */
export class KeySetUnavailableError extends Error {
  readonly code = 'keyset_unavailable' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Options of {@link fetchJwks}.
 *
 * @example
 * ```ts
 * const jwks = await fetchJwks(url, { timeoutMs: 2000 });
 * ```
 */
export interface FetchJwksOptions {
  /** Give up after this many milliseconds. Default 5000. */
  timeoutMs?: number;
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/**
 * Loads a JWKS (`/.well-known/jwks.json`) with the global `fetch` and a timeout, for runtimes
 * that take the key set by URL. Rejects with {@link KeySetUnavailableError}.
 *
 * @example
 * ```ts
 * import { createVerifier, fetchJwks } from 'countersign/verify';
 * const jwks = await fetchJwks('https://countersign.example/.well-known/jwks.json');
 * const verifier = createVerifier({ jwks });
 * ```
 */
export async function fetchJwks(
  url: string | URL,
  options: FetchJwksOptions = {},
): Promise<JSONWebKeySet> {
  const target = new URL(url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new TypeError('the key set URL must use https: or http:');
  }
  const doFetch = options.fetch ?? globalThis.fetch;
  let body: string;
  try {
    const response = await doFetch(target, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    if (!response.ok) throw new Error(`HTTP status ${response.status}`);
    body = await response.text();
  } catch (cause) {
    throw new KeySetUnavailableError('the key set could not be fetched', { cause });
  }
  return parseJwks(body);
}

function parseJwks(body: string): JSONWebKeySet {
  if (body.length > MAX_JWKS_BYTES) {
    throw new KeySetUnavailableError('the key set response is too large');
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (cause) {
    throw new KeySetUnavailableError('the key set response is not JSON', { cause });
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (typeof value !== 'object' || value === null || !Array.isArray(keys)) {
    throw new KeySetUnavailableError('the key set response is not a JWKS');
  }
  return value as JSONWebKeySet;
}
