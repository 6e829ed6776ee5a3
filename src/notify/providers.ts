/** The five notification providers and their settings, configured or example. */
import type { NotificationProviders, NotificationsConfig } from '../config/config-types.js';

export type ProviderName = 'slack' | 'teams' | 'jira' | 'servicenow' | 'webhook';

export const PROVIDER_NAMES: readonly ProviderName[] = [
  'slack',
  'teams',
  'jira',
  'servicenow',
  'webhook',
];

/**
 * Settings used for a provider that is not configured (export with `allProviders`): the
 * docs/configuration.md example, so exported files show what a configured deployment would send.
 */
export const EXAMPLE_PROVIDERS: {
  readonly [P in ProviderName]: NonNullable<NotificationProviders[P]>;
} = {
  slack: {
    urlEnv: 'COUNTERSIGN_SLACK_WEBHOOK_URL',
    botTokenEnv: null,
    channel: null,
    apiUrl: 'https://slack.com/api',
    interactive: null,
  },
  teams: { urlEnv: 'COUNTERSIGN_TEAMS_WEBHOOK_URL' },
  jira: {
    url: 'https://jira.example/rest/api/3/issue',
    tokenEnv: 'JIRA_TOKEN',
    userEnv: 'JIRA_USER',
    project: 'OPS',
    issueType: 'Task',
  },
  servicenow: {
    instanceUrl: 'https://servicenow.example',
    userEnv: 'SN_USER',
    passwordEnv: 'SN_PASSWORD',
  },
  webhook: { urlEnv: 'COUNTERSIGN_WEBHOOK_URL', secretEnv: 'COUNTERSIGN_WEBHOOK_SECRET' },
};

/** The provider's configured settings, or the example settings when it is not configured. */
export function providerSettings<P extends ProviderName>(
  provider: P,
  config: Pick<NotificationsConfig, 'providers'>,
): NonNullable<NotificationProviders[P]> {
  const configured = config.providers[provider];
  return (configured ?? EXAMPLE_PROVIDERS[provider]) as NonNullable<NotificationProviders[P]>;
}

export function configuredProviders(
  config: Pick<NotificationsConfig, 'providers'>,
): ProviderName[] {
  return PROVIDER_NAMES.filter((p) => config.providers[p] !== null);
}

/**
 * Whether this provider keeps one record per request, updated in place by later events (Slack
 * through the Web API; Jira and ServiceNow with `record:`), rather than one message per event.
 */
export function isRecordProvider(
  provider: string,
  config: Pick<NotificationsConfig, 'providers'>,
): boolean {
  const p = config.providers;
  if (provider === 'slack') return (p.slack?.botTokenEnv ?? null) !== null;
  if (provider === 'jira') return (p.jira?.record ?? null) !== null;
  if (provider === 'servicenow') return (p.servicenow?.record ?? null) !== null;
  return false;
}
