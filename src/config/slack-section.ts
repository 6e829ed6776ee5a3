/**
 * `notifications.providers.slack`: an incoming webhook (`urlEnv`), or the Web API with a bot
 * token (`botTokenEnv` + `channel`), optionally with interactive approvals (`interactive`).
 */
import {
  joinPath,
  own,
  readBoolean,
  readDuration,
  readObject,
  readString,
  readStringList,
} from '../lib/fields.js';
import type { Issues, Obj } from '../lib/fields.js';
import { readEnvName, readUrl } from './config-fields.js';
import type {
  RecordOutcomeMap,
  SlackIdentityEntry,
  SlackInteractiveConfig,
  SlackProviderConfig,
} from './config-types.js';

export const SLACK_API_URL = 'https://slack.com/api';
const SLACK_ID = {
  pattern: /^[A-Z0-9]{2,32}$/,
  patternMessage: 'must be a Slack id like U0123ABCD',
};
const OUTCOMES = ['approved', 'denied', 'expired', 'cancelled', 'revoked', 'break_glass'] as const;

function readIdentities(
  value: unknown,
  path: string,
  issues: Issues,
  key: 'id' | 'email',
): Record<string, SlackIdentityEntry> {
  const obj = readObject(value, path, issues, null) ?? {};
  const out: Record<string, SlackIdentityEntry> = {};
  for (const [k, v] of Object.entries(obj)) {
    const p = joinPath(path, k);
    if (key === 'id' && !SLACK_ID.pattern.test(k)) issues.add(p, SLACK_ID.patternMessage);
    if (key === 'email' && !/^[^@\s]+@[^@\s]+$/.test(k)) issues.add(p, 'must be an e-mail address');
    const entry = readObject(v, p, issues, ['subject', 'groups']);
    if (!entry) continue;
    // the same person as an OIDC sign-in (`oidc:<issuer>#<sub>`) or a Slack identity; never an
    // API key, the system or a dev/local principal
    const subject =
      readString(entry, 'subject', p, issues, {
        max: 512,
        pattern: /^(oidc|slack):./,
        patternMessage: 'must be an oidc:<issuer>#<sub> or slack:<name> principal id',
      }) ?? null;
    const groups = readStringList(entry, 'groups', p, issues, { max: 256 }) ?? [];
    if (subject === null && groups.length === 0) {
      issues.add(p, 'must give a subject, groups or both');
    }
    // own properties only, and e-mails compare case-insensitively
    Object.defineProperty(out, key === 'email' ? k.toLowerCase() : k, {
      value: { subject, groups },
      enumerable: true,
    });
  }
  return out;
}

function readUserGroups(value: unknown, path: string, issues: Issues): Record<string, string[]> {
  const obj = readObject(value, path, issues, null) ?? {};
  const out: Record<string, string[]> = {};
  for (const k of Object.keys(obj)) {
    if (!SLACK_ID.pattern.test(k)) issues.add(joinPath(path, k), SLACK_ID.patternMessage);
    const groups = readStringList(obj, k, path, issues, { single: true, nonEmpty: true }) ?? [];
    Object.defineProperty(out, k, { value: groups, enumerable: true });
  }
  return out;
}

function readRequireConsole(obj: Obj, path: string, issues: Issues) {
  const raw = own(obj, 'requireConsoleFor');
  const p = joinPath(path, 'requireConsoleFor');
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    issues.add(p, 'must be a list of { environment, kind }');
    return [];
  }
  return raw.flatMap((item, i) => {
    const ip = joinPath(p, i);
    const e = readObject(item, ip, issues, ['environment', 'kind']);
    if (!e) return [];
    const environment = readString(e, 'environment', ip, issues, { max: 128 }) ?? null;
    const kind = readString(e, 'kind', ip, issues, { max: 128 }) ?? null;
    if (environment === null && kind === null)
      issues.add(ip, 'must give environment, kind or both');
    return [{ environment, kind }];
  });
}

function readInteractive(
  value: unknown,
  path: string,
  issues: Issues,
): SlackInteractiveConfig | null {
  const keys = [
    'signingSecretEnv',
    'teamId',
    'users',
    'emails',
    'userGroups',
    'chatApprovals',
    'requireConsoleFor',
    'tolerance',
  ];
  const obj = readObject(value, path, issues, keys);
  if (!obj) return null;
  const toleranceMs = readDuration(obj, 'tolerance', path, issues) ?? 5 * 60_000;
  if (toleranceMs > 15 * 60_000) issues.add(joinPath(path, 'tolerance'), 'must be at most 15m');
  return {
    signingSecretEnv: readEnvName(obj, 'signingSecretEnv', path, issues, true) ?? '',
    teamId: readString(obj, 'teamId', path, issues, SLACK_ID) ?? null,
    users: readIdentities(own(obj, 'users'), joinPath(path, 'users'), issues, 'id'),
    emails: readIdentities(own(obj, 'emails'), joinPath(path, 'emails'), issues, 'email'),
    userGroups: readUserGroups(own(obj, 'userGroups'), joinPath(path, 'userGroups'), issues),
    chatApprovals: readBoolean(obj, 'chatApprovals', path, issues) ?? true,
    requireConsoleFor: readRequireConsole(obj, path, issues),
    toleranceMs,
  };
}

export function readSlackProvider(obj: Obj, path: string, issues: Issues): SlackProviderConfig {
  const urlEnv = readEnvName(obj, 'urlEnv', path, issues) ?? null;
  const botTokenEnv = readEnvName(obj, 'botTokenEnv', path, issues) ?? null;
  const channel = readString(obj, 'channel', path, issues, { max: 80 }) ?? null;
  if (urlEnv === null && botTokenEnv === null) {
    issues.add(joinPath(path, 'urlEnv'), 'is required');
  } else if (urlEnv !== null && botTokenEnv !== null) {
    issues.add(path, 'must give either urlEnv (incoming webhook) or botTokenEnv (Web API)');
  }
  if (botTokenEnv !== null && channel === null)
    issues.add(joinPath(path, 'channel'), 'is required with botTokenEnv');
  const interactive = readInteractive(
    own(obj, 'interactive'),
    joinPath(path, 'interactive'),
    issues,
  );
  if (interactive && botTokenEnv === null) {
    issues.add(joinPath(path, 'interactive'), 'needs botTokenEnv (buttons need the Web API)');
  }
  return {
    urlEnv,
    botTokenEnv,
    channel,
    apiUrl: readUrl(obj, 'apiUrl', path, issues) ?? SLACK_API_URL,
    interactive,
  };
}

export const SLACK_KEYS = ['urlEnv', 'botTokenEnv', 'channel', 'apiUrl', 'interactive'];

/** `record: { <map>: { approved: …, denied: … } }` for Jira (`transitions`) or ServiceNow (`states`). */
export function readRecordMode(
  value: unknown,
  path: string,
  issues: Issues,
  mapKey: 'transitions' | 'states',
): RecordOutcomeMap | null {
  if (value === true) return {};
  const obj = readObject(value, path, issues, [mapKey]);
  if (!obj) return null;
  const mp = joinPath(path, mapKey);
  const map = readObject(own(obj, mapKey), mp, issues, OUTCOMES) ?? {};
  const out: Partial<Record<(typeof OUTCOMES)[number], string>> = {};
  for (const o of OUTCOMES) {
    const v = readString(map, o, mp, issues, { max: 128 });
    if (v !== undefined) out[o] = v;
  }
  return out;
}
