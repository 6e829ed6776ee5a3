/**
 * Which configured notification providers can send: each needs its environment variables
 * (webhook URLs, tokens, passwords) set. A provider missing one is degraded: its deliveries fail
 * with `missing_secret` until the variable is set. Reports variable names only, never values.
 */
import type { NotificationsConfig } from './config-types.js';

export interface ProviderHealth {
  /** `slack`, `teams`, `jira`, `servicenow`, `webhook` or `callback`. */
  provider: string;
  ready: boolean;
  /** Names of the unset environment variables. */
  missing: string[];
}

/** The environment variables each configured provider reads at send time. */
export function providerSecretNames(config: NotificationsConfig): Record<string, string[]> {
  const p = config.providers;
  const out: Record<string, string[]> = {};
  if (p.slack) {
    // an incoming webhook, or the Web API's bot token (and the signing secret when interactive)
    const slack = [p.slack.urlEnv, p.slack.botTokenEnv, p.slack.interactive?.signingSecretEnv];
    out.slack = slack.filter((n): n is string => typeof n === 'string');
  }
  if (p.teams) out.teams = [p.teams.urlEnv];
  if (p.jira) out.jira = p.jira.userEnv ? [p.jira.userEnv, p.jira.tokenEnv] : [p.jira.tokenEnv];
  if (p.servicenow) out.servicenow = [p.servicenow.userEnv, p.servicenow.passwordEnv];
  if (p.webhook) out.webhook = [p.webhook.urlEnv, p.webhook.secretEnv];
  // decision callbacks are signed: with callbacks allowed, their secret is needed
  if (config.callbackAllowlist.length > 0) out.callback = [config.callbackSecretEnv];
  return out;
}

/** The health of every configured provider, given how to read a secret variable. */
export function providerHealth(
  config: NotificationsConfig,
  secret: (name: string) => string | undefined,
): ProviderHealth[] {
  return Object.entries(providerSecretNames(config)).map(([provider, names]) => {
    const missing = names.filter((n) => secret(n) === undefined);
    return { provider, ready: missing.length === 0, missing };
  });
}
