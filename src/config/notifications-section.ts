/** The `notifications` section. Secrets (URLs with tokens, passwords) are named by env var only. */
import {
  joinPath,
  own,
  readDuration,
  readInt,
  readObject,
  readString,
  readStringList,
} from '../lib/fields.js';
import type { Issues, Obj } from '../lib/fields.js';
import { checkUrl, readEnvName, readUrl } from './config-fields.js';
import { readRecordMode, readSlackProvider, SLACK_KEYS } from './slack-section.js';
import type {
  NotificationEvent,
  NotificationProviders,
  NotificationsConfig,
} from './config-types.js';

const BASE = 'notifications';
const EVENTS: readonly NotificationEvent[] = ['requested', 'decided', 'break_glass'];
const PROVIDERS = ['slack', 'teams', 'jira', 'servicenow', 'webhook'];

function provider(providers: Obj, name: string, keys: string[], issues: Issues): Obj | undefined {
  return readObject(own(providers, name), joinPath(`${BASE}.providers`, name), issues, keys);
}

function recordOf(obj: Obj, path: string, key: 'transitions', issues: Issues) {
  const transitions = readRecordMode(own(obj, 'record'), joinPath(path, 'record'), issues, key);
  return transitions === null ? {} : { record: { transitions } };
}

function statesOf(obj: Obj, path: string, issues: Issues) {
  const states = readRecordMode(own(obj, 'record'), joinPath(path, 'record'), issues, 'states');
  return states === null ? {} : { record: { states } };
}

function readProviders(value: unknown, issues: Issues): NotificationProviders {
  const path = `${BASE}.providers`;
  const obj = readObject(value, path, issues, PROVIDERS) ?? {};
  const slack = provider(obj, 'slack', SLACK_KEYS, issues);
  const teams = provider(obj, 'teams', ['urlEnv'], issues);
  const jira = provider(
    obj,
    'jira',
    ['url', 'tokenEnv', 'userEnv', 'project', 'issueType', 'record'],
    issues,
  );
  const sn = provider(
    obj,
    'servicenow',
    ['instanceUrl', 'userEnv', 'passwordEnv', 'record'],
    issues,
  );
  const webhook = provider(obj, 'webhook', ['urlEnv', 'secretEnv'], issues);
  const p = (name: string): string => joinPath(path, name);
  return {
    slack: slack ? readSlackProvider(slack, p('slack'), issues) : null,
    teams: teams ? { urlEnv: readEnvName(teams, 'urlEnv', p('teams'), issues, true) ?? '' } : null,
    jira: jira
      ? {
          url: readUrl(jira, 'url', p('jira'), issues, { required: true }) ?? '',
          tokenEnv: readEnvName(jira, 'tokenEnv', p('jira'), issues, true) ?? '',
          userEnv: readEnvName(jira, 'userEnv', p('jira'), issues) ?? null,
          project:
            readString(jira, 'project', p('jira'), issues, { required: true, max: 64 }) ?? '',
          issueType: readString(jira, 'issueType', p('jira'), issues, { max: 64 }) ?? 'Task',
          ...recordOf(jira, p('jira'), 'transitions', issues),
        }
      : null,
    servicenow: sn
      ? {
          instanceUrl:
            readUrl(sn, 'instanceUrl', p('servicenow'), issues, { required: true }) ?? '',
          userEnv: readEnvName(sn, 'userEnv', p('servicenow'), issues, true) ?? '',
          passwordEnv: readEnvName(sn, 'passwordEnv', p('servicenow'), issues, true) ?? '',
          ...statesOf(sn, p('servicenow'), issues),
        }
      : null,
    webhook: webhook
      ? {
          urlEnv: readEnvName(webhook, 'urlEnv', p('webhook'), issues, true) ?? '',
          secretEnv: readEnvName(webhook, 'secretEnv', p('webhook'), issues, true) ?? '',
        }
      : null,
  };
}

/**
 * Callback prefixes must include the path after the host (`https://ci.example.com/`), so that
 * `https://ci.example.com` cannot also admit `https://ci.example.com.attacker.net/`.
 */
function readCallbackAllowlist(obj: Obj, issues: Issues): string[] {
  const list = readStringList(obj, 'callbackAllowlist', BASE, issues, { max: 2048 }) ?? [];
  list.forEach((prefix, i) => {
    const path = joinPath(`${BASE}.callbackAllowlist`, i);
    const url = checkUrl(prefix, path, issues, { allowHttp: true });
    if (url && !prefix.startsWith(`${url.origin}/`)) {
      issues.add(path, 'must include the path after the host, e.g. https://ci.example.com/hooks/');
    }
  });
  return list;
}

export function readNotifications(value: unknown, issues: Issues): NotificationsConfig {
  const keys = [
    'onEvents',
    'providers',
    'retry',
    'callbackSecretEnv',
    'callbackAllowlist',
    'remindBefore',
  ];
  const obj = readObject(value, BASE, issues, keys) ?? {};
  const onEvents = readStringList(obj, 'onEvents', BASE, issues) ?? [...EVENTS];
  onEvents.forEach((e, i) => {
    if (!(EVENTS as readonly string[]).includes(e)) {
      issues.add(joinPath(`${BASE}.onEvents`, i), `must be one of ${EVENTS.join(', ')}`);
    }
  });
  const retryPath = `${BASE}.retry`;
  const retry =
    readObject(own(obj, 'retry'), retryPath, issues, ['attempts', 'initialDelay', 'maxDelay']) ??
    {};
  const initialDelayMs = readDuration(retry, 'initialDelay', retryPath, issues) ?? 1000;
  const maxDelayMs = readDuration(retry, 'maxDelay', retryPath, issues) ?? 5 * 60_000;
  if (initialDelayMs > maxDelayMs) {
    issues.add(`${retryPath}.initialDelay`, `must not be longer than ${retryPath}.maxDelay`);
  }
  return {
    onEvents: onEvents as NotificationEvent[],
    providers: readProviders(own(obj, 'providers'), issues),
    retry: {
      attempts: readInt(retry, 'attempts', retryPath, issues, { min: 1, max: 50 }) ?? 6,
      initialDelayMs,
      maxDelayMs,
    },
    callbackSecretEnv:
      readEnvName(obj, 'callbackSecretEnv', BASE, issues) ?? 'COUNTERSIGN_CALLBACK_SECRET',
    callbackAllowlist: readCallbackAllowlist(obj, issues),
    // an "expiring soon" reminder goes out this long before a pending request expires; 0 = never
    remindBeforeMs: readDuration(obj, 'remindBefore', BASE, issues) ?? 15 * 60_000,
  };
}
