/** Deployment configuration: one schema, loaded once at boot, frozen; the only reader of env. */
export { loadConfig, defaultConfig, parseConfigText } from './load-config.js';
export type { LoadConfigOptions, EnvVars } from './load-config.js';
export { readSecretEnv } from './secrets.js';
export { renderStarterConfig, renderStarterPolicy } from './starter.js';
export { isLoopbackHost } from './config-fields.js';
export type {
  CountersignConfig,
  ServerConfig,
  StoreConfig,
  SigningConfig,
  AuditConfig,
  IdentityConfig,
  ConsoleSignInConfig,
  OidcIssuerConfig,
  RbacConfig,
  RepositoryPermission,
  RepositoryAction,
  JwsAlgorithm,
  NotificationsConfig,
  NotificationProviders,
  NotificationEvent,
  IntegrationsConfig,
  GithubIntegrationConfig,
} from './config-types.js';
export { providerHealth, providerSecretNames, type ProviderHealth } from './provider-health.js';
