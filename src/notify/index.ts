/** Notifications, the pure part: payloads, request specs, signing, redaction, export. */
export {
  eventsFor,
  isEventEnabled,
  messageIdFor,
  NOTIFICATION_EVENT_KINDS,
  webhookEventType,
} from './events.js';
export type {
  DecidedOutcome,
  NotificationEvent,
  NotificationEventKind,
  WebhookEventType,
} from './events.js';
export {
  configuredProviders,
  EXAMPLE_PROVIDERS,
  PROVIDER_NAMES,
  providerSettings,
} from './providers.js';
export type { ProviderName } from './providers.js';
export { consoleLink, facts, headline, summarize } from './summary.js';
export type { ApprovalSummary, Fact, NotifyContext } from './summary.js';
export { renderPayload } from './render.js';
export type { ProviderPayloads } from './render.js';
export type { SlackMessage } from './payloads/slack.js';
export type { TeamsMessage, AdaptiveCard } from './payloads/teams.js';
export type { JiraIssueBody, AdfDoc } from './payloads/jira.js';
export type { ServiceNowChangeRequest } from './payloads/servicenow.js';
export type { WebhookPayload, WebhookApproval } from './payloads/webhook.js';
export { signWebhook } from './sign.js';
export type { SignOptions, WebhookHeaders } from './sign.js';
export {
  buildCallbackRequest,
  buildLiveRequest,
  callbackRequest,
  isCallbackAllowed,
  providerRequest,
} from './request-spec.js';
export type {
  LiveOptions,
  LiveRequest,
  LiveRequestResult,
  RedactedLiveRequest,
  RequestSpec,
  SecretLookup,
} from './request-spec.js';
export { redactHeaders, redactUrl, REDACTED } from './redact.js';
export { deliveryEvidence } from './evidence.js';
export type {
  DeliveryAttempt,
  DeliveryEvidence,
  DeliveryStatus,
  DeliveryTarget,
} from './evidence.js';
export { exportNotifications, exportProviderRequests } from './export.js';
export type { ExportOptions } from './export.js';
