/**
 * Per-provider steps of a record kept in place: find an existing record (so a retried create
 * after a lost key does not create a second one), create it, and update it for a later event.
 */
import type { NotificationsConfig } from '../../config/config-types.js';
import type { ApprovalRequest } from '../../domain/approval.js';
import type { NotificationEvent } from '../events.js';
import { renderJira } from '../payloads/jira.js';
import { renderServiceNow } from '../payloads/servicenow.js';
import { renderSlackApp } from '../payloads/slack-app.js';
import { providerSettings } from '../providers.js';
import { summarize, type NotifyContext } from '../summary.js';
import { createSlackApi, isTransientSlackError } from '../slack/web-api.js';
import { httpCall, jsonString, type HttpCall, type HttpCallOptions } from './http-call.js';
import { eventNote, outcomeOf } from './record-text.js';

/** What one step did: the first URL it called (for evidence), and its failure if any. */
export interface StepResult {
  readonly url: string | null;
  readonly status: number | null;
  readonly error: string | null;
  /** The failure will not go away by retrying. */
  readonly permanent: boolean;
  /** Create / lookup: the record's key (and Slack channel). */
  readonly key?: string | null;
  readonly channel?: string | null;
}

export interface DriverContext {
  readonly approval: ApprovalRequest;
  /** The request as it stands now (Slack renders this, whatever event is delivered). */
  readonly current: ApprovalRequest;
  readonly event: NotificationEvent;
  readonly notify: NotifyContext;
  readonly values: readonly string[];
  readonly http: HttpCallOptions;
}

export interface RecordDriver {
  /** Environment variables the driver needs, in order (`values` follow this order). */
  needs(config: NotificationsConfig): string[];
  lookup?(ctx: DriverContext): Promise<StepResult>;
  create(ctx: DriverContext): Promise<StepResult>;
  update(ctx: DriverContext, key: string, channel: string | null): Promise<StepResult>;
}

function retryable(status: number | null, error: string | null): boolean {
  if (error === null) return false;
  if (status === null) return true;
  return status >= 500 || status === 408 || status === 425 || status === 429;
}

function step(call: HttpCall, status: number | null, error: string | null): StepResult {
  return { url: call.url, status, error, permanent: error !== null && !retryable(status, error) };
}

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** The event a ticket is created for: break-glass, else the request itself. */
function creatingEvent(ctx: DriverContext): NotificationEvent {
  return ctx.event.kind === 'break_glass'
    ? ctx.event
    : { kind: 'requested', at: ctx.approval.createdAt };
}

// ---- Slack (Web API) ----

const slack: RecordDriver = {
  needs: (config) => [providerSettings('slack', config).botTokenEnv ?? ''],
  async create(ctx) {
    const s = providerSettings('slack', ctx.notify.config);
    const api = createSlackApi(s.apiUrl, ctx.values[0] ?? '', ctx.http);
    const url = `${s.apiUrl.replace(/\/+$/, '')}/chat.postMessage`;
    const r = await api.post(
      'chat.postMessage',
      renderSlackApp(ctx.current, ctx.notify, s.channel ?? ''),
    );
    const ts = jsonString(r.json, 'ts');
    if (r.ok && ts === undefined)
      return { url, status: r.status, error: 'slack_no_ts', permanent: true };
    return {
      url,
      status: r.status,
      error: r.error,
      permanent: r.error !== null && !isTransientSlackError(r),
      key: ts ?? null,
      channel: jsonString(r.json, 'channel') ?? s.channel,
    };
  },
  async update(ctx, ts, channel) {
    const s = providerSettings('slack', ctx.notify.config);
    const api = createSlackApi(s.apiUrl, ctx.values[0] ?? '', ctx.http);
    const url = `${s.apiUrl.replace(/\/+$/, '')}/chat.update`;
    const message = renderSlackApp(ctx.current, ctx.notify, channel ?? s.channel ?? '');
    const r = await api.post('chat.update', { ...message, ts });
    return {
      url,
      status: r.status,
      error: r.error,
      permanent: r.error !== null && !isTransientSlackError(r),
    };
  },
};

// ---- Jira ----

function jiraAuth(config: NotificationsConfig, values: readonly string[]): string {
  const s = providerSettings('jira', config);
  return s.userEnv ? basic(values[0] ?? '', values[1] ?? '') : `Bearer ${values[0] ?? ''}`;
}

/** The label that finds a request's issue again (`countersign-<approval id>`). */
export function jiraRecordLabel(approvalId: string): string {
  return `countersign-${approvalId}`;
}

function jiraSearchUrl(issueUrl: string): string {
  const base = issueUrl.replace(/\/issue\/?$/, '');
  // Jira Cloud (REST v3) moved search to /search/jql; Server / Data Center (v2) keep /search
  return /\/rest\/api\/3$/.test(base) ? `${base}/search/jql` : `${base}/search`;
}

const jira: RecordDriver = {
  needs: (config) => {
    const s = providerSettings('jira', config);
    return s.userEnv ? [s.userEnv, s.tokenEnv] : [s.tokenEnv];
  },
  async lookup(ctx) {
    const s = providerSettings('jira', ctx.notify.config);
    const call: HttpCall = {
      method: 'POST',
      url: jiraSearchUrl(s.url),
      headers: { ...JSON_HEADERS, authorization: jiraAuth(ctx.notify.config, ctx.values) },
      body: JSON.stringify({
        jql: `labels = "${jiraRecordLabel(ctx.approval.id)}"`,
        fields: ['key'],
        maxResults: 1,
      }),
    };
    const r = await httpCall(call, ctx.http);
    const issues = (r.json as { issues?: { key?: unknown }[] } | null)?.issues;
    const key = Array.isArray(issues) && typeof issues[0]?.key === 'string' ? issues[0].key : null;
    return { ...step(call, r.status, r.error), key };
  },
  async create(ctx) {
    const s = providerSettings('jira', ctx.notify.config);
    const body = renderJira(creatingEvent(ctx), summarize(ctx.approval, ctx.notify), s);
    body.fields.labels = [...body.fields.labels, jiraRecordLabel(ctx.approval.id)];
    const call: HttpCall = {
      method: 'POST',
      url: s.url,
      headers: { ...JSON_HEADERS, authorization: jiraAuth(ctx.notify.config, ctx.values) },
      body: JSON.stringify(body),
    };
    const r = await httpCall(call, ctx.http);
    const key = jsonString(r.json, 'key') ?? null;
    if (r.error === null && key === null)
      return { ...step(call, r.status, 'jira_no_key'), permanent: true };
    return { ...step(call, r.status, r.error), key };
  },
  async update(ctx, key) {
    const s = providerSettings('jira', ctx.notify.config);
    const headers = { ...JSON_HEADERS, authorization: jiraAuth(ctx.notify.config, ctx.values) };
    const issueUrl = `${s.url.replace(/\/+$/, '')}/${encodeURIComponent(key)}`;
    const note = eventNote(ctx.event, ctx.approval, summarize(ctx.approval, ctx.notify));
    const comment: HttpCall = {
      method: 'POST',
      url: `${issueUrl}/comment`,
      headers,
      body: JSON.stringify({
        body: {
          type: 'doc',
          version: 1,
          content: note.split('\n').map((line) => ({
            type: 'paragraph',
            content: [{ type: 'text', text: line || ' ' }],
          })),
        },
      }),
    };
    const c = await httpCall(comment, ctx.http);
    if (c.error !== null) return step(comment, c.status, c.error);
    const outcome = outcomeOf(ctx.event);
    const name = outcome === null ? undefined : s.record?.transitions[outcome];
    if (name === undefined) return step(comment, c.status, null);
    const list: HttpCall = { method: 'GET', url: `${issueUrl}/transitions`, headers };
    const l = await httpCall(list, ctx.http);
    if (l.error !== null) return step(comment, l.status, l.error);
    const transitions =
      (l.json as { transitions?: { id?: unknown; name?: unknown }[] } | null)?.transitions ?? [];
    const match = transitions.find(
      (t) => typeof t.name === 'string' && t.name.toLowerCase() === name.toLowerCase(),
    );
    if (typeof match?.id !== 'string') {
      // the workflow does not offer it from the issue's status: the comment stands, no retry
      return {
        url: comment.url,
        status: l.status,
        error: 'jira_transition_unavailable',
        permanent: true,
      };
    }
    const move: HttpCall = {
      method: 'POST',
      url: `${issueUrl}/transitions`,
      headers,
      body: JSON.stringify({ transition: { id: match.id } }),
    };
    const m = await httpCall(move, ctx.http);
    return step(comment, m.status, m.error);
  },
};

// ---- ServiceNow ----

function snBase(config: NotificationsConfig): string {
  return `${providerSettings('servicenow', config).instanceUrl.replace(/\/+$/, '')}/api/now/table/change_request`;
}

const servicenow: RecordDriver = {
  needs: (config) => {
    const s = providerSettings('servicenow', config);
    return [s.userEnv, s.passwordEnv];
  },
  async lookup(ctx) {
    const query = new URLSearchParams({
      sysparm_query: `correlation_id=${ctx.approval.id}`,
      sysparm_fields: 'sys_id',
      sysparm_limit: '1',
    });
    const call: HttpCall = {
      method: 'GET',
      url: `${snBase(ctx.notify.config)}?${query.toString()}`,
      headers: {
        accept: 'application/json',
        authorization: basic(ctx.values[0] ?? '', ctx.values[1] ?? ''),
      },
    };
    const r = await httpCall(call, ctx.http);
    const result = (r.json as { result?: { sys_id?: unknown }[] } | null)?.result;
    const key =
      Array.isArray(result) && typeof result[0]?.sys_id === 'string' ? result[0].sys_id : null;
    return { ...step(call, r.status, r.error), key };
  },
  async create(ctx) {
    const event = creatingEvent(ctx);
    const call: HttpCall = {
      method: 'POST',
      url: snBase(ctx.notify.config),
      headers: { ...JSON_HEADERS, authorization: basic(ctx.values[0] ?? '', ctx.values[1] ?? '') },
      body: JSON.stringify(renderServiceNow(event, summarize(ctx.approval, ctx.notify))),
    };
    const r = await httpCall(call, ctx.http);
    const key = jsonString(r.json, 'result', 'sys_id') ?? null;
    if (r.error === null && key === null)
      return { ...step(call, r.status, 'servicenow_no_sys_id'), permanent: true };
    return { ...step(call, r.status, r.error), key };
  },
  async update(ctx, sysId) {
    const s = providerSettings('servicenow', ctx.notify.config);
    const outcome = outcomeOf(ctx.event);
    const state = outcome === null ? undefined : s.record?.states[outcome];
    const call: HttpCall = {
      method: 'PATCH',
      url: `${snBase(ctx.notify.config)}/${encodeURIComponent(sysId)}`,
      headers: { ...JSON_HEADERS, authorization: basic(ctx.values[0] ?? '', ctx.values[1] ?? '') },
      body: JSON.stringify({
        work_notes: eventNote(ctx.event, ctx.approval, summarize(ctx.approval, ctx.notify)),
        ...(state === undefined ? {} : { state }),
      }),
    };
    const r = await httpCall(call, ctx.http);
    return step(call, r.status, r.error);
  },
};

export const RECORD_DRIVERS: Readonly<Record<'slack' | 'jira' | 'servicenow', RecordDriver>> = {
  slack,
  jira,
  servicenow,
};
