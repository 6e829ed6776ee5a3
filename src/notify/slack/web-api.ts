/**
 * A small Slack Web API client over fetch: POST `<apiUrl>/<method>` with the bot token as a
 * Bearer header. Slack answers HTTP 200 with `{"ok": false, "error": "…"}` for most failures,
 * so the result folds both into `error` (`slack_<error>` or an HTTP reason).
 */
import { httpCall, jsonString, type HttpCallOptions } from '../records/http-call.js';

export interface SlackApiResult {
  readonly status: number | null;
  readonly ok: boolean;
  /** null when ok; `slack_<error>`, `http_<status>`, `timeout`, `network_<code>`. */
  readonly error: string | null;
  readonly json: unknown;
}

export interface SlackApi {
  /** A write method with a JSON body (chat.postMessage, chat.update, views.open, …). */
  post(method: string, body: object): Promise<SlackApiResult>;
  /** A read method with form arguments (users.info, usergroups.users.list). */
  read(method: string, args: Record<string, string>): Promise<SlackApiResult>;
}

/** Slack errors worth retrying: the rest mean this request will never succeed as it is. */
const TRANSIENT = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export function isTransientSlackError(r: Pick<SlackApiResult, 'status' | 'error'>): boolean {
  if (r.error === null) return false;
  if (r.status === null) return r.error !== 'aborted';
  if (r.status >= 500 || r.status === 429 || r.status === 408) return true;
  return r.error.startsWith('slack_') && TRANSIENT.has(r.error.slice('slack_'.length));
}

const SLACK_ERROR_RE = /^[a-z0-9_]{1,64}$/;

export function createSlackApi(apiUrl: string, token: string, opts: HttpCallOptions): SlackApi {
  const base = apiUrl.replace(/\/+$/, '');
  async function call(method: string, contentType: string, body: string): Promise<SlackApiResult> {
    const r = await httpCall(
      {
        method: 'POST',
        url: `${base}/${method}`,
        headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
        body,
      },
      opts,
    );
    if (r.error !== null) return { status: r.status, ok: false, error: r.error, json: r.json };
    const okField = (r.json as { ok?: unknown } | null)?.ok;
    if (okField === true) return { status: r.status, ok: true, error: null, json: r.json };
    const code = jsonString(r.json, 'error') ?? 'unknown';
    return {
      status: r.status,
      ok: false,
      error: `slack_${SLACK_ERROR_RE.test(code) ? code : 'unknown'}`,
      json: r.json,
    };
  }
  return {
    post: (method, body) => call(method, 'application/json; charset=utf-8', JSON.stringify(body)),
    read: (method, args) =>
      call(method, 'application/x-www-form-urlencoded', new URLSearchParams(args).toString()),
  };
}
