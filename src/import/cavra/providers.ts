/**
 * CAVRA live-delivery provider config → `notifications.providers`. Countersign reads every
 * secret (webhook URLs, tokens) from an environment variable it names, so CAVRA's `*_env` keys
 * carry over and literal secrets do not. Notes never repeat a secret value.
 */
import { CavraFileError, Notes, isPlainObject, text } from './notes.js';

export interface ProviderOptions {
  /** Jira project key for created issues (Countersign needs one; CAVRA's config has none). */
  jiraProject?: string;
  /** Environment variable for the webhook signing secret (Countersign signs every webhook). */
  webhookSecretEnv?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const PROVIDER_KEYS = [
  'enabled',
  'url',
  'url_env',
  'headers',
  'token',
  'token_env',
  'authorization_scheme',
  'authorization',
  'authorization_env',
];
const ALIASES: Record<string, string> = { generic_webhook: 'webhook', msteams: 'teams' };

/** The provider objects of a CAVRA provider config, as CAVRA finds them (or its own error). */
function providersOf(doc: unknown, file: string): Record<string, unknown> {
  if (!isPlainObject(doc))
    throw new CavraFileError(file, 'approval provider config must be an object');
  const inner = Object.hasOwn(doc, 'approval_providers')
    ? doc.approval_providers
    : Object.hasOwn(doc, 'providers')
      ? doc.providers
      : doc;
  if (!isPlainObject(inner) || !Object.values(inner).some(isPlainObject)) {
    throw new CavraFileError(file, 'approval provider config must contain provider objects');
  }
  return inner;
}

/** An `*_env` value that Countersign accepts as an environment variable name. */
function envName(p: Record<string, unknown>, key: string, path: string, notes: Notes) {
  const value = text(p, key);
  if (value === undefined) return undefined;
  if (!ENV_NAME.test(value)) {
    notes.unmapped(`${path}.${key}`, 'is not a valid environment variable name');
    return undefined;
  }
  return value;
}

/** Notes for the settings Countersign has no place for; never repeats their values. */
function noteCommon(p: Record<string, unknown>, path: string, name: string, notes: Notes): void {
  for (const key of Object.keys(p)) {
    if (!PROVIDER_KEYS.includes(key)) notes.unmapped(`${path}.${key}`, 'not a CAVRA provider key');
  }
  if (isPlainObject(p.headers) && Object.keys(p.headers).length > 0) {
    notes.unmapped(
      `${path}.headers`,
      `Countersign sends a fixed set of headers per provider; ${Object.keys(p.headers).join(', ')} not carried over`,
    );
  }
  if (text(p, 'token') !== undefined) {
    notes.unmapped(
      `${path}.token`,
      'a secret written in the file: put it in an environment variable and name it with tokenEnv',
    );
  }
  if (text(p, 'authorization') !== undefined || text(p, 'authorization_env') !== undefined) {
    notes.unmapped(
      `${path}.authorization`,
      name === 'jira'
        ? 'Countersign builds the Authorization header itself (Bearer token, or Basic with userEnv)'
        : 'Countersign builds the Authorization header itself',
    );
  }
  const scheme = text(p, 'authorization_scheme');
  if (scheme !== undefined && scheme.toLowerCase() !== 'bearer') {
    notes.unmapped(
      `${path}.authorization_scheme`,
      'Countersign sends Jira tokens as Bearer, or as Basic user:token when userEnv is set',
    );
  }
}

/** A URL carried in the file: for Slack, Teams and webhooks the URL itself is the secret. */
function urlEnvOnly(p: Record<string, unknown>, path: string, notes: Notes) {
  const urlEnv = envName(p, 'url_env', path, notes);
  if (urlEnv === undefined) {
    notes.unmapped(
      path,
      text(p, 'url') !== undefined
        ? 'its URL is written in the file, and it carries the secret: put it in an environment variable and name it with urlEnv'
        : 'needs url_env',
    );
  }
  return urlEnv;
}

function convertJira(
  p: Record<string, unknown>,
  path: string,
  notes: Notes,
  opts: ProviderOptions,
) {
  const url = text(p, 'url');
  const tokenEnv = envName(p, 'token_env', path, notes);
  if (url === undefined) {
    notes.unmapped(
      path,
      'Countersign needs the create-issue URL written as url (it is not a secret)',
    );
    return undefined;
  }
  if (tokenEnv === undefined) {
    notes.unmapped(
      path,
      'Countersign needs token_env (the environment variable holding the API token)',
    );
    return undefined;
  }
  if (opts.jiraProject === undefined) {
    notes.unmapped(path, 'Countersign creates issues in one project: pass --jira-project KEY');
    return undefined;
  }
  return { url, tokenEnv, project: opts.jiraProject };
}

/**
 * Converts a parsed CAVRA provider config. Throws {@link CavraFileError} with CAVRA's message
 * when CAVRA would refuse the file.
 */
export function convertProviders(
  doc: unknown,
  file: string,
  opts: ProviderOptions = {},
): { providers: Record<string, unknown>; notes: Notes } {
  const notes = new Notes(file);
  const providers: Record<string, unknown> = {};
  for (const [rawName, value] of Object.entries(providersOf(doc, file))) {
    const path = `approval_providers.${rawName}`;
    if (!isPlainObject(value))
      throw new CavraFileError(file, `approval provider ${rawName} config must be an object`);
    if (value.enabled === false) {
      notes.unmapped(path, 'disabled in CAVRA; left out');
      continue;
    }
    const name = ALIASES[rawName.toLowerCase()] ?? rawName.toLowerCase();
    noteCommon(value, path, name, notes);
    let converted: Record<string, unknown> | undefined;
    if (name === 'slack' || name === 'teams') {
      const urlEnv = urlEnvOnly(value, path, notes);
      if (urlEnv !== undefined) converted = { urlEnv };
    } else if (name === 'webhook') {
      const urlEnv = urlEnvOnly(value, path, notes);
      if (urlEnv !== undefined) {
        const secretEnv = opts.webhookSecretEnv ?? 'COUNTERSIGN_WEBHOOK_SECRET';
        converted = { urlEnv, secretEnv };
        notes.changed(
          path,
          `Countersign signs every webhook (Standard Webhooks): set ${secretEnv} and verify the signature where it is received`,
        );
      }
    } else if (name === 'jira') {
      converted = convertJira(value, path, notes, opts);
    } else if (name === 'servicenow') {
      notes.unmapped(
        path,
        'Countersign calls the ServiceNow Table API with Basic auth: configure instanceUrl, userEnv and passwordEnv',
      );
    } else {
      notes.unmapped(
        path,
        'Countersign delivers to slack, teams, jira, servicenow and webhook only',
      );
    }
    if (converted) providers[name] = converted;
  }
  return { providers, notes };
}
