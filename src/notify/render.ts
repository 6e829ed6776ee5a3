/** One entry point from (provider, event, approval) to the provider's native payload. */
import type { ApprovalRequest } from '../domain/approval.js';
import type { NotificationEvent } from './events.js';
import { renderJira } from './payloads/jira.js';
import type { JiraIssueBody } from './payloads/jira.js';
import { renderServiceNow } from './payloads/servicenow.js';
import type { ServiceNowChangeRequest } from './payloads/servicenow.js';
import { renderSlack } from './payloads/slack.js';
import type { SlackMessage } from './payloads/slack.js';
import { renderSlackApp } from './payloads/slack-app.js';
import { renderTeams } from './payloads/teams.js';
import type { TeamsMessage } from './payloads/teams.js';
import { renderWebhook } from './payloads/webhook.js';
import type { WebhookPayload } from './payloads/webhook.js';
import { providerSettings } from './providers.js';
import type { ProviderName } from './providers.js';
import { summarize } from './summary.js';
import type { NotifyContext } from './summary.js';

export interface ProviderPayloads {
  slack: SlackMessage;
  teams: TeamsMessage;
  jira: JiraIssueBody;
  servicenow: ServiceNowChangeRequest;
  webhook: WebhookPayload;
}

/**
 * The provider's native payload for this event. Pure: the same inputs give the same JSON, so a
 * retry sends (and signs) the same bytes. An unconfigured provider renders with the example
 * settings (see `EXAMPLE_PROVIDERS`).
 */
export function renderPayload<P extends ProviderName>(
  provider: P,
  event: NotificationEvent,
  approval: ApprovalRequest,
  ctx: NotifyContext,
): ProviderPayloads[P] {
  const s = summarize(approval, ctx);
  const payloads: { [K in ProviderName]: () => ProviderPayloads[K] } = {
    slack: () => {
      const settings = providerSettings('slack', ctx.config);
      // Web API: the request as it stands, posted to the configured channel
      return settings.botTokenEnv !== null
        ? renderSlackApp(approval, ctx, settings.channel ?? '')
        : renderSlack(event, s);
    },
    teams: () => renderTeams(event, s),
    jira: () => renderJira(event, s, providerSettings('jira', ctx.config)),
    servicenow: () => renderServiceNow(event, s),
    webhook: () => renderWebhook(event, s),
  };
  const render = payloads[provider] as (() => ProviderPayloads[P]) | undefined;
  if (!render) throw new TypeError(`unknown notification provider "${String(provider)}"`);
  return render();
}
