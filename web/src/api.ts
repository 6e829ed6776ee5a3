/**
 * The console's only door to the server: the public REST API, same origin. Three ways to be
 * someone: the console session cookie (with the CSRF header on mutations), an API key pasted on
 * the sign-in page (kept in sessionStorage only, sent as Bearer), or devMode (no auth at all).
 */

export type Auth =
  | { kind: 'session'; name: string; groups: string[] }
  | { kind: 'apikey'; key: string }
  | { kind: 'dev'; user: string }
  | { kind: 'none' };

const API_KEY_SLOT = 'countersign.apiKey';
const DEV_USER_SLOT = 'countersign.devUser';
const CSRF_COOKIE = 'countersign_csrf';
const CSRF_HEADER = 'x-countersign-csrf';
const DEV_HEADER = 'x-countersign-dev-mode';

/** A refusal from the API: the problem+json `code` is what the console explains. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(`${status} ${code}: ${detail}`);
  }
}

let auth: Auth = { kind: 'none' };
let devMode = false;
const devModeListeners: ((on: boolean) => void)[] = [];
const unauthorizedListeners: ((err: ApiError) => void)[] = [];

export function currentAuth(): Auth {
  return auth;
}
export function setAuth(next: Auth): void {
  auth = next;
  if (next.kind === 'apikey') sessionStorage.setItem(API_KEY_SLOT, next.key);
  else sessionStorage.removeItem(API_KEY_SLOT);
  if (next.kind === 'dev') sessionStorage.setItem(DEV_USER_SLOT, next.user);
}
export function storedApiKey(): string | null {
  return sessionStorage.getItem(API_KEY_SLOT);
}
export function storedDevUser(): string | null {
  return sessionStorage.getItem(DEV_USER_SLOT);
}
export function isDevMode(): boolean {
  return devMode;
}
export function onDevMode(fn: (on: boolean) => void): void {
  devModeListeners.push(fn);
}
/** Called on every 401 from /v1: the console asks to sign in again. */
export function onUnauthorized(fn: (err: ApiError) => void): void {
  unauthorizedListeners.push(fn);
}

function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

/** Request headers for the current way of signing in. */
export function authHeaders(method: string, as: Auth = auth): Record<string, string> {
  const out: Record<string, string> = {};
  if (as.kind === 'apikey') out['authorization'] = `Bearer ${as.key}`;
  if (as.kind === 'dev') out['x-countersign-dev-user'] = as.user;
  if (as.kind === 'session' && method !== 'GET' && method !== 'HEAD') {
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) out[CSRF_HEADER] = csrf;
  }
  return out;
}

function noteDevMode(res: Response): void {
  const on = res.headers.has(DEV_HEADER);
  if (on !== devMode) {
    devMode = on;
    for (const fn of devModeListeners) fn(on);
  }
}

async function toError(res: Response): Promise<ApiError> {
  let body: { code?: unknown; detail?: unknown; errors?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not problem+json (a proxy, a crash): the status still tells what happened
  }
  const code = typeof body.code === 'string' ? body.code : `http_${res.status}`;
  const detail = typeof body.detail === 'string' ? body.detail : res.statusText;
  const errors = Array.isArray(body.errors)
    ? (body.errors as { path: string; message: string }[]).filter(
        (e) => typeof e?.path === 'string' && typeof e?.message === 'string',
      )
    : [];
  return new ApiError(res.status, code, detail, errors);
}

export interface CallOptions {
  body?: unknown;
  accept?: string;
  as?: Auth;
  signal?: AbortSignal;
  /** A 401 here is expected (sign-in probes): do not raise the global "sign in again". */
  quiet401?: boolean;
}

export async function call(
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    accept: opts.accept ?? 'application/json',
    ...authHeaders(method, opts.as),
  };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      signal: opts.signal ?? AbortSignal.timeout(20_000),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'the server could not be reached');
  }
  noteDevMode(res);
  if (!res.ok) {
    const err = await toError(res);
    if (err.status === 401 && !opts.quiet401) for (const fn of unauthorizedListeners) fn(err);
    throw err;
  }
  return res;
}

export async function getJson<T>(path: string, opts: CallOptions = {}): Promise<T> {
  return (await (await call('GET', path, opts)).json()) as T;
}

export async function postJson<T>(path: string, body: unknown, opts: CallOptions = {}): Promise<T> {
  return (await (await call('POST', path, { ...opts, body })).json()) as T;
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
