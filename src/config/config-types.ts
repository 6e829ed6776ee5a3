/** The deployment configuration (docs/configuration.md `countersign.yaml`), validated, defaulted and frozen. */
import type { ConsoleConfig } from './console-section.js';
import type { Scope } from '../domain/principal.js';

export interface ServerConfig {
  /** `host:port` as written (IPv6 hosts in brackets). */
  readonly listen: string;
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  /** Base URL used in links (notifications, console); no trailing slash. */
  readonly publicUrl: string;
  /** Local demo without authentication; only allowed on a loopback listen address. */
  readonly devMode: boolean;
  readonly bodyLimitBytes: number;
  readonly cors: { readonly origins: readonly string[] };
  /**
   * Addresses and CIDRs of the reverse proxies whose `X-Forwarded-*` is believed (the client IP
   * for rate limits and logs); empty = believe no one.
   */
  readonly trustProxy: readonly string[];
  /** Per minute: failed authentications per client IP, and mutations per principal. */
  readonly rateLimit: {
    readonly authFailuresPerMinute: number;
    readonly mutationsPerMinute: number;
  };
}

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      readonly pool: { readonly max: number; readonly idleTimeoutMs: number };
    };

export interface SigningConfig {
  /** Credential `iss`. */
  readonly issuer: string;
  /** Absolute directory of the Ed25519 keys. */
  readonly keysDir: string;
  readonly clockSkewMs: number;
  readonly maxCredentialTtlMs: number;
}

export interface AuditConfig {
  /** Checkpoint origin line (C2SP signed note). */
  readonly origin: string;
  readonly checkpointEveryMs: number;
  /** Witnesses the log submits each checkpoint to (c2sp.org/tlog-witness). */
  readonly witnesses: readonly WitnessConfig[];
  /** Cosignatures a checkpoint needs before evidence bundles use it. */
  readonly minCosignatures: number;
}

export interface WitnessConfig {
  readonly name: string;
  /** The witness's submission prefix (`<url>/add-checkpoint`). */
  readonly url: string;
  /** Its cosignature/v1 verifier key, as configured. */
  readonly verifierKey: string;
  readonly publicKey: Uint8Array;
}

export type JwsAlgorithm =
  'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

export interface OidcIssuerConfig {
  readonly issuer: string;
  readonly audience: readonly string[];
  /** Exactly one of `jwksUri` and `jwksFile` (absolute) is set. */
  readonly jwksUri: string | null;
  readonly jwksFile: string | null;
  readonly algorithms: readonly JwsAlgorithm[];
  readonly groupsClaim: string;
  readonly leewayMs: number;
}

export type RepositoryAction = 'approve' | 'deny';

export interface RepositoryPermission {
  readonly repository: string;
  readonly approverGroup: string;
  readonly groups: readonly string[];
  readonly actions: readonly RepositoryAction[];
}

export interface RbacConfig {
  /** Scope → external or approver groups whose members get it. */
  readonly scopes: Readonly<Partial<Record<Scope, readonly string[]>>>;
  /** External group → approver groups. */
  readonly groupMappings: Readonly<Record<string, readonly string[]>>;
  readonly repositoryPermissions: readonly RepositoryPermission[];
}

/** Browser sign-in for the web console: authorization code + PKCE against one issuer. */
export interface ConsoleSignInConfig {
  /** One of `identity.oidc[].issuer` (default: the first), so its ID tokens verify the same way. */
  readonly issuer: string;
  /** Must be one of that issuer's `audience` values (the ID token's `aud` is the client id). */
  readonly clientId: string;
  /** Names the environment variable holding the client secret; null = a public client. */
  readonly clientSecretEnv: string | null;
  /** This server's `/console/callback`, exactly as registered at the identity provider. */
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly sessionTtlMs: number;
}

export interface IdentityConfig {
  readonly oidc: readonly OidcIssuerConfig[];
  readonly rbac: RbacConfig;
  /** Console sign-in; null = the console accepts no browser sign-in. */
  readonly console: ConsoleSignInConfig | null;
}

export type NotificationEvent = 'requested' | 'decided' | 'break_glass';

/** A Slack user (by id or verified email) mapped by the operator to a subject and groups. */
export interface SlackIdentityEntry {
  /** The principal id reviews are recorded under; null = `slack:<team>/<user>`. */
  readonly subject: string | null;
  /** External groups; `identity.rbac.groupMappings` maps them like OIDC groups. */
  readonly groups: readonly string[];
}

/** Chat approvals from Slack buttons (interactivity). */
export interface SlackInteractiveConfig {
  /** Names the environment variable holding the Slack app's signing secret. */
  readonly signingSecretEnv: string;
  /** Only interactions from this workspace (team id) are accepted; null = any the app is in. */
  readonly teamId: string | null;
  /** Slack user id → identity. */
  readonly users: Readonly<Record<string, SlackIdentityEntry>>;
  /** Verified e-mail (lower case) → identity; looked up with users.info. */
  readonly emails: Readonly<Record<string, SlackIdentityEntry>>;
  /** Slack user group id → external groups its members hold. */
  readonly userGroups: Readonly<Record<string, readonly string[]>>;
  /** false = buttons are not shown and chat reviews are refused with a console link. */
  readonly chatApprovals: boolean;
  /** Requests matching any entry (all given fields equal) must be reviewed in the console. */
  readonly requireConsoleFor: readonly {
    readonly environment: string | null;
    readonly kind: string | null;
  }[];
  /** How old a signed request may be (and how long signatures are remembered). */
  readonly toleranceMs: number;
}

/**
 * Slack: an incoming webhook (`urlEnv`, one message per event), or the Web API with a bot token
 * (`botTokenEnv` + `channel`: one message per request, updated in place, optional buttons).
 */
export interface SlackProviderConfig {
  readonly urlEnv: string | null;
  readonly botTokenEnv: string | null;
  readonly channel: string | null;
  /** Base URL of the Web API (`https://slack.com/api`). */
  readonly apiUrl: string;
  readonly interactive: SlackInteractiveConfig | null;
}

/** Record outcome → Jira transition name or ServiceNow state value. */
export type RecordOutcomeMap = Readonly<
  Partial<
    Record<'approved' | 'denied' | 'expired' | 'cancelled' | 'revoked' | 'break_glass', string>
  >
>;

export interface NotificationProviders {
  readonly slack: SlackProviderConfig | null;
  readonly teams: { readonly urlEnv: string } | null;
  readonly jira: {
    readonly url: string;
    readonly tokenEnv: string;
    readonly userEnv: string | null;
    readonly project: string;
    readonly issueType: string;
    /** One issue per request, commented and transitioned later; null = one issue per event. */
    readonly record?: { readonly transitions: RecordOutcomeMap } | null;
  } | null;
  readonly servicenow: {
    readonly instanceUrl: string;
    readonly userEnv: string;
    readonly passwordEnv: string;
    /** One change request per request, updated later; null = one per event. */
    readonly record?: { readonly states: RecordOutcomeMap } | null;
  } | null;
  readonly webhook: { readonly urlEnv: string; readonly secretEnv: string } | null;
}

export interface NotificationsConfig {
  readonly onEvents: readonly NotificationEvent[];
  readonly providers: NotificationProviders;
  readonly retry: {
    readonly attempts: number;
    readonly initialDelayMs: number;
    readonly maxDelayMs: number;
  };
  /** Names the environment variable holding the Standard Webhooks secret for callbacks. */
  readonly callbackSecretEnv: string;
  /** URL prefixes callback URLs must start with; empty = callbacks refused. */
  readonly callbackAllowlist: readonly string[];
  /** How long before a pending request expires its "expiring soon" reminder goes out (0 = never). */
  readonly remindBeforeMs: number;
}

export interface CountersignConfig {
  /** Absolute path of the file read, or null when only defaults (and env) apply. */
  readonly file: string | null;
  /** Directory relative paths were resolved against. */
  readonly baseDir: string;
  readonly server: ServerConfig;
  readonly store: StoreConfig;
  readonly signing: SigningConfig;
  readonly audit: AuditConfig;
  readonly identity: IdentityConfig;
  /**
   * `file`: absolute path of the policy document; `repositoryRouting`: repository → absolute path
   * of that repository's routing file (routing rules only).
   */
  readonly policy: {
    readonly file: string;
    readonly repositoryRouting: Readonly<Record<string, string>>;
  };
  readonly notifications: NotificationsConfig;
  readonly console: ConsoleConfig;
  readonly integrations: IntegrationsConfig;
}

/** GitHub deployment protection rules, answered by a GitHub App. */
export interface GithubIntegrationConfig {
  readonly appId: string;
  /** Exactly one of the two: an absolute PEM file path, or the variable holding the PEM. */
  readonly privateKeyFile: string | null;
  readonly privateKeyEnv: string | null;
  /** Names the environment variable holding the webhook secret. */
  readonly webhookSecretEnv: string;
  /** GitHub's REST API base (GitHub Enterprise Server: `https://HOST/api/v3`); no trailing slash. */
  readonly apiUrl: string;
  /** GitHub's web base for workflow run links; no trailing slash. */
  readonly webUrl: string;
  /** The action kind of a deployment (default `deploy`). */
  readonly kind: string;
  /** GitHub environment name → Countersign environment; others are not answered. */
  readonly environments: Readonly<Record<string, string>>;
  /** How long a deployment's request stays pending; null = the policy default. */
  readonly requestTtlMs: number | null;
}

export interface IntegrationsConfig {
  readonly github: GithubIntegrationConfig | null;
}
