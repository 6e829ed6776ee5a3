/**
 * One HTTP call of a record delivery (create, comment, transition, update) that returns the
 * response's JSON, bounded in size and time. Failures are short redacted reasons, never a URL or
 * a header, like `sendLiveRequest`.
 */

export interface HttpCall {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpCallResult {
  readonly status: number | null;
  /** Parsed JSON body, or null (none, not JSON, too large). */
  readonly json: unknown;
  /** null on 2xx; else `http_<status>`, `timeout`, `aborted` or `network_<code>`. */
  readonly error: string | null;
}

export interface HttpCallOptions {
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
}

const MAX_JSON_BYTES = 256 * 1024;

function networkReason(err: unknown, timedOut: boolean): string {
  if (timedOut) return 'timeout';
  const e = err as { name?: string; cause?: { code?: unknown } };
  if (e?.name === 'AbortError') return 'aborted';
  const code = e?.cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)
    ? `network_${code.toLowerCase()}`
    : 'network_error';
}

async function readJson(res: Response): Promise<unknown> {
  const length = Number(res.headers.get('content-length') ?? '0');
  if (length > MAX_JSON_BYTES) {
    await res.body?.cancel();
    return null;
  }
  const text = await res.text();
  if (text.length > MAX_JSON_BYTES || text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export async function httpCall(call: HttpCall, opts: HttpCallOptions): Promise<HttpCallResult> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  try {
    const res = await (opts.fetch ?? fetch)(call.url, {
      method: call.method,
      headers: call.headers,
      ...(call.body === undefined ? {} : { body: call.body }),
      signal,
      redirect: 'manual',
    });
    const json = await readJson(res).catch(() => null);
    const ok = res.status >= 200 && res.status < 300;
    return { status: res.status, json, error: ok ? null : `http_${res.status}` };
  } catch (err) {
    return { status: null, json: null, error: networkReason(err, timeout.aborted) };
  }
}

/** A string field of a JSON object, or undefined. */
export function jsonString(value: unknown, ...path: string[]): string | undefined {
  let v: unknown = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return typeof v === 'string' ? v : undefined;
}
