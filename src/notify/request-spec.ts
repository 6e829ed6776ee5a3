/**
 * HTTP requests for each provider: a credential-free spec to export and review, and the live
 * request the delivery worker sends. Secrets come from a lookup the caller passes in (config's
 * `readSecretEnv`); nothing here reads the environment.
 */
import type { ApprovalRequest } from '../domain/approval.js';
import { PolicyError } from '../errors/index.js';
import { isCallbackAllowed } from '../lib/callback-allowlist.js';
import { messageIdFor } from './events.js';
import type { NotificationEvent, NotificationEventKind } from './events.js';
import { providerSettings } from './providers.js';
import type { ProviderName } from './providers.js';
import { redactHeaders, redactUrl } from './redact.js';
import { renderPayload } from './render.js';
import { signWebhook } from './sign.js';
import { summarize } from './summary.js';
import type { NotifyContext } from './summary.js';
import type { DeliveryTarget } from './evidence.js';
import { renderWebhook } from './payloads/webhook.js';

/** Returns the value of the named environment variable, or undefined when unset. */
export type SecretLookup = (envName: string) => string | undefined;

/** A request with every secret shown as a `${ENV_NAME}` placeholder. Safe to write to disk. */
export interface RequestSpec {
  readonly provider: DeliveryTarget;
  readonly event: NotificationEventKind;
  readonly method: 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** The request to send. Holds secrets: serializing or inspecting it shows the redacted form. */
export interface LiveRequest {
  readonly provider: DeliveryTarget;
  readonly event: NotificationEventKind;
  /** Same on every retry (Standard Webhooks `webhook-id`, outbox de-duplication). */
  readonly messageId: string;
  readonly method: 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes to send (and that were signed). */
  readonly body: string;
}

export type LiveRequestResult =
  | { readonly ok: true; readonly request: LiveRequest }
  | {
      readonly ok: false;
      readonly problem: 'missing_secret' | 'invalid_url' | 'invalid_secret';
      /** Names of the environment variables at fault (names, never values). */
      readonly envNames: readonly string[];
    };

export interface LiveOptions {
  /** When this attempt is sent: the Standard Webhooks timestamp. Date or epoch milliseconds. */
  readonly sentAt: Date | number;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const placeholder = (envName: string): string => `\${${envName}}`;
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
const signaturePlaceholder = (secretEnv: string): string =>
  `v1,base64(HMAC-SHA256(${placeholder(secretEnv)}, webhook-id.webhook-timestamp.body))`;

interface Shape {
  /** Placeholder or plain URL for the spec. */
  specUrl: string;
  specHeaders: Record<string, string>;
  /** Env vars the live request needs, in order. */
  needs: string[];
  /** Index in `needs` of the variable holding the URL, or -1 when the URL is config. */
  urlIndex: number;
  live(values: string[]): { url: string; headers: Record<string, string>; secret?: string };
}

/** An incoming webhook: the URL itself is the secret. */
function urlShape(urlEnv: string): Shape {
  return {
    specUrl: placeholder(urlEnv),
    specHeaders: { 'content-type': 'application/json' },
    needs: [urlEnv],
    urlIndex: 0,
    live: ([url = '']) => ({ url, headers: { 'content-type': 'application/json' } }),
  };
}

/** Slack Web API chat.postMessage with the bot token (later events chat.update that message). */
function slackApiShape(apiUrl: string, tokenEnv: string): Shape {
  const url = `${apiUrl.replace(/\/+$/, '')}/chat.postMessage`;
  const headers = { 'content-type': 'application/json; charset=utf-8' };
  return {
    specUrl: url,
    specHeaders: { ...headers, authorization: `Bearer ${placeholder(tokenEnv)}` },
    needs: [tokenEnv],
    urlIndex: -1,
    live: ([token = '']) => ({ url, headers: { ...headers, authorization: `Bearer ${token}` } }),
  };
}

function shapeOf(provider: ProviderName, ctx: NotifyContext): Shape {
  switch (provider) {
    case 'slack': {
      const s = providerSettings('slack', ctx.config);
      if (s.botTokenEnv !== null) return slackApiShape(s.apiUrl, s.botTokenEnv);
      return urlShape(s.urlEnv ?? '');
    }
    case 'teams':
      return urlShape(providerSettings('teams', ctx.config).urlEnv);
    case 'jira': {
      const s = providerSettings('jira', ctx.config);
      // Jira Cloud: Basic with account email and API token; without a user, a bearer token (PAT).
      const specAuth = s.userEnv
        ? `Basic base64(${placeholder(s.userEnv)}:${placeholder(s.tokenEnv)})`
        : `Bearer ${placeholder(s.tokenEnv)}`;
      return {
        specUrl: redactUrl(s.url),
        specHeaders: { ...JSON_HEADERS, authorization: specAuth },
        needs: s.userEnv ? [s.userEnv, s.tokenEnv] : [s.tokenEnv],
        urlIndex: -1,
        live: (v) => ({
          url: s.url,
          headers: {
            ...JSON_HEADERS,
            authorization: s.userEnv ? basic(v[0] ?? '', v[1] ?? '') : `Bearer ${v[0] ?? ''}`,
          },
        }),
      };
    }
    case 'servicenow': {
      const s = providerSettings('servicenow', ctx.config);
      const url = `${s.instanceUrl.replace(/\/+$/, '')}/api/now/table/change_request`;
      return {
        specUrl: redactUrl(url),
        specHeaders: {
          ...JSON_HEADERS,
          authorization: `Basic base64(${placeholder(s.userEnv)}:${placeholder(s.passwordEnv)})`,
        },
        needs: [s.userEnv, s.passwordEnv],
        urlIndex: -1,
        live: ([user = '', password = '']) => ({
          url,
          headers: { ...JSON_HEADERS, authorization: basic(user, password) },
        }),
      };
    }
    case 'webhook': {
      const s = providerSettings('webhook', ctx.config);
      return {
        specUrl: placeholder(s.urlEnv),
        specHeaders: {},
        needs: [s.urlEnv, s.secretEnv],
        urlIndex: 0,
        live: ([url = '', secret = '']) => ({ url, headers: {}, secret }),
      };
    }
  }
}

function webhookSpecHeaders(messageId: string, secretEnv: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': messageId,
    'webhook-timestamp': '${UNIX_SECONDS_AT_SEND}',
    'webhook-signature': signaturePlaceholder(secretEnv),
  };
}

/** The credential-free request for a provider: placeholders name env vars, never values. */
export function providerRequest(
  provider: ProviderName,
  event: NotificationEvent,
  approval: ApprovalRequest,
  ctx: NotifyContext,
): RequestSpec {
  const shape = shapeOf(provider, ctx);
  const headers =
    provider === 'webhook'
      ? webhookSpecHeaders(
          messageIdFor(approval, event),
          providerSettings('webhook', ctx.config).secretEnv,
        )
      : shape.specHeaders;
  return {
    provider,
    event: event.kind,
    method: 'POST',
    url: shape.specUrl,
    headers,
    body: renderPayload(provider, event, approval, ctx),
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '';
  } catch {
    return false;
  }
}

function lookupAll(
  names: readonly string[],
  secrets: SecretLookup,
): { ok: true; values: string[] } | { ok: false; missing: string[] } {
  const values = names.map((n) => secrets(n));
  const missing = names.filter((_, i) => values[i] === undefined || values[i] === '');
  return missing.length > 0 ? { ok: false, missing } : { ok: true, values: values as string[] };
}

/** What logs and errors may show of a live request. */
export type RedactedLiveRequest = Omit<LiveRequest, 'body'>;

function liveRequest(fields: LiveRequest): LiveRequest {
  const redacted = (): RedactedLiveRequest => ({
    provider: fields.provider,
    event: fields.event,
    messageId: fields.messageId,
    method: fields.method,
    url: redactUrl(fields.url),
    headers: redactHeaders(fields.headers),
  });
  // Accidental JSON.stringify or console.log of a live request shows only the redacted view.
  return Object.freeze(
    Object.defineProperties(
      { ...fields },
      {
        toJSON: { value: redacted, enumerable: false },
        [Symbol.for('nodejs.util.inspect.custom')]: { value: redacted, enumerable: false },
      },
    ),
  );
}

function signed(
  base: Omit<LiveRequest, 'headers'>,
  secret: string,
  sentAt: Date | number,
  secretEnv: string,
): LiveRequestResult {
  if (Number.isNaN(new Date(sentAt).getTime())) throw new TypeError('sentAt must be a valid time');
  let signature;
  try {
    signature = signWebhook(base.body, { id: base.messageId, timestamp: sentAt, secret });
  } catch {
    return { ok: false, problem: 'invalid_secret', envNames: [secretEnv] };
  }
  const headers = { 'content-type': 'application/json', ...signature };
  return { ok: true, request: liveRequest({ ...base, headers }) };
}

/**
 * The request to send now, with URL and credentials from `secrets`. Not ok when a needed
 * variable is unset or a URL variable does not hold an http(s) URL; the result names the
 * variables, never their values.
 */
export function buildLiveRequest(
  provider: ProviderName,
  event: NotificationEvent,
  approval: ApprovalRequest,
  ctx: NotifyContext,
  secrets: SecretLookup,
  options: LiveOptions,
): LiveRequestResult {
  const shape = shapeOf(provider, ctx);
  const found = lookupAll(shape.needs, secrets);
  if (!found.ok) return { ok: false, problem: 'missing_secret', envNames: found.missing };
  const { url, headers, secret } = shape.live(found.values);
  if (!isHttpUrl(url)) {
    const envNames = shape.urlIndex >= 0 ? [shape.needs[shape.urlIndex] ?? ''] : [];
    return { ok: false, problem: 'invalid_url', envNames };
  }
  const base = {
    provider,
    event: event.kind,
    messageId: messageIdFor(approval, event),
    method: 'POST' as const,
    url,
    body: JSON.stringify(renderPayload(provider, event, approval, ctx)),
  };
  if (secret === undefined) return { ok: true, request: liveRequest({ ...base, headers }) };
  return signed(base, secret, options.sentAt, shape.needs[1] ?? '');
}

/** Whether a callback URL is under one of the allowlisted prefixes (docs/domain.md §8). */
export { isCallbackAllowed } from '../lib/callback-allowlist.js';

function callbackUrlOf(approval: ApprovalRequest, ctx: NotifyContext): string {
  const url = approval.callbackUrl;
  if (url === null) throw new TypeError('approval has no callbackUrl');
  // Checked again at delivery: the allowlist may have shrunk since the request was created.
  if (!isCallbackAllowed(url, ctx.config.callbackAllowlist)) {
    throw new PolicyError('forbidden', 'callback URL is not in notifications.callbackAllowlist');
  }
  return url;
}

/** The credential-free spec of the decision callback to `approval.callbackUrl`. */
export function callbackRequest(
  event: NotificationEvent,
  approval: ApprovalRequest,
  ctx: NotifyContext,
): RequestSpec {
  const url = callbackUrlOf(approval, ctx);
  return {
    provider: 'callback',
    event: event.kind,
    method: 'POST',
    url: redactUrl(url),
    headers: webhookSpecHeaders(messageIdFor(approval, event), ctx.config.callbackSecretEnv),
    body: renderWebhook(event, summarize(approval, ctx)),
  };
}

/** The signed decision callback, with the secret named by `notifications.callbackSecretEnv`. */
export function buildCallbackRequest(
  event: NotificationEvent,
  approval: ApprovalRequest,
  ctx: NotifyContext,
  secrets: SecretLookup,
  options: LiveOptions,
): LiveRequestResult {
  const url = callbackUrlOf(approval, ctx);
  const secretEnv = ctx.config.callbackSecretEnv;
  const secret = secrets(secretEnv);
  if (secret === undefined || secret === '') {
    return { ok: false, problem: 'missing_secret', envNames: [secretEnv] };
  }
  const base = {
    provider: 'callback' as const,
    event: event.kind,
    messageId: messageIdFor(approval, event),
    method: 'POST' as const,
    url,
    body: JSON.stringify(renderWebhook(event, summarize(approval, ctx))),
  };
  return signed(base, secret, options.sentAt, secretEnv);
}
