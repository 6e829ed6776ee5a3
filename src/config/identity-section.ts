/** The `identity` section: OIDC issuers and RBAC. */
import { ALL_SCOPES } from '../domain/principal.js';
import type { Scope } from '../domain/principal.js';
import {
  joinPath,
  own,
  readDuration,
  readObject,
  readString,
  readStringList,
} from '../lib/fields.js';
import type { Issues, Obj } from '../lib/fields.js';
import { readEnvName, readPath, readUrl } from './config-fields.js';
import type {
  ConsoleSignInConfig,
  IdentityConfig,
  JwsAlgorithm,
  OidcIssuerConfig,
  RbacConfig,
  RepositoryAction,
  RepositoryPermission,
} from './config-types.js';

/** Asymmetric algorithms only: `none` and HMAC (`HS*`) are never accepted for people's tokens. */
export const JWS_ALGORITHMS: readonly JwsAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
const DEFAULT_ALGORITHMS: JwsAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];
const OIDC_KEYS = [
  'issuer',
  'audience',
  'jwksUri',
  'jwksFile',
  'algorithms',
  'groupsClaim',
  'leeway',
];
const GROUP = { max: 256 };

function readOidcIssuer(
  value: unknown,
  path: string,
  issues: Issues,
  baseDir: string,
): OidcIssuerConfig | undefined {
  const obj = readObject(value, path, issues, OIDC_KEYS, true);
  if (!obj) return undefined;
  const issuer = readUrl(obj, 'issuer', path, issues, { required: true });
  const audience = readStringList(obj, 'audience', path, issues, {
    required: true,
    single: true,
    nonEmpty: true,
    max: 512,
  });
  const jwksUri = readUrl(obj, 'jwksUri', path, issues) ?? null;
  const jwksFile = readPath(obj, 'jwksFile', path, issues, baseDir) ?? null;
  const hasUri = own(obj, 'jwksUri') !== undefined;
  const hasFile = own(obj, 'jwksFile') !== undefined;
  if (hasUri === hasFile) issues.add(path, 'needs exactly one of jwksUri and jwksFile');
  const algorithms = readStringList(obj, 'algorithms', path, issues, { nonEmpty: true, max: 16 });
  algorithms?.forEach((alg, i) => {
    if (!(JWS_ALGORITHMS as readonly string[]).includes(alg)) {
      issues.add(
        joinPath(joinPath(path, 'algorithms'), i),
        `must be one of ${JWS_ALGORITHMS.join(', ')}`,
      );
    }
  });
  const leewayMs = readDuration(obj, 'leeway', path, issues, { allowZero: true }) ?? 60_000;
  if (leewayMs > 5 * 60_000) issues.add(joinPath(path, 'leeway'), 'must be at most 5m');
  return {
    issuer: issuer ?? '',
    audience: audience ?? [],
    jwksUri,
    jwksFile,
    algorithms: (algorithms as JwsAlgorithm[] | undefined) ?? DEFAULT_ALGORITHMS,
    groupsClaim: readString(obj, 'groupsClaim', path, issues, { max: 128 }) ?? 'groups',
    leewayMs,
  };
}

function readOidc(value: unknown, issues: Issues, baseDir: string): OidcIssuerConfig[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    issues.add('identity.oidc', 'must be a list of issuers');
    return [];
  }
  const out: OidcIssuerConfig[] = [];
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const path = joinPath('identity.oidc', i);
    const issuer = readOidcIssuer(item, path, issues, baseDir);
    if (!issuer) return;
    if (issuer.issuer !== '' && seen.has(issuer.issuer))
      issues.add(joinPath(path, 'issuer'), 'duplicate issuer');
    seen.add(issuer.issuer);
    out.push(issuer);
  });
  return out;
}

function readScopes(value: unknown, issues: Issues): Partial<Record<Scope, string[]>> {
  const obj = readObject(value, 'identity.rbac.scopes', issues, ALL_SCOPES) ?? {};
  const out: Partial<Record<Scope, string[]>> = {};
  for (const scope of ALL_SCOPES) {
    const groups = readStringList(obj, scope, 'identity.rbac.scopes', issues, GROUP);
    if (groups) out[scope] = groups;
  }
  return out;
}

function readGroupMappings(value: unknown, issues: Issues): Record<string, string[]> {
  const path = 'identity.rbac.groupMappings';
  const obj = readObject(value, path, issues, null) ?? {};
  const out = Object.create(null) as Record<string, string[]>;
  for (const key of Object.keys(obj)) {
    if (key.length === 0 || key.length > 256) issues.add(joinPath(path, key), 'invalid group name');
    const groups = readStringList(obj, key, path, issues, {
      ...GROUP,
      single: true,
      nonEmpty: true,
    });
    if (groups) out[key] = groups;
  }
  return out;
}

const REPO_KEYS = ['repository', 'approverGroup', 'groups', 'actions'];
const REPO_ACTIONS: readonly RepositoryAction[] = ['approve', 'deny'];

function readRepositoryPermissions(value: unknown, issues: Issues): RepositoryPermission[] {
  const base = 'identity.rbac.repositoryPermissions';
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    issues.add(base, 'must be a list');
    return [];
  }
  const out: RepositoryPermission[] = [];
  value.forEach((item, i) => {
    const path = joinPath(base, i);
    const obj: Obj | undefined = readObject(item, path, issues, REPO_KEYS, true);
    if (!obj) return;
    const actions = readStringList(obj, 'actions', path, issues, { nonEmpty: true }) ?? [
      'approve',
      'deny',
    ];
    actions.forEach((a, j) => {
      if (!(REPO_ACTIONS as readonly string[]).includes(a)) {
        issues.add(
          joinPath(joinPath(path, 'actions'), j),
          `must be one of ${REPO_ACTIONS.join(', ')}`,
        );
      }
    });
    out.push({
      repository: readString(obj, 'repository', path, issues, { required: true, max: 256 }) ?? '',
      approverGroup:
        readString(obj, 'approverGroup', path, issues, { required: true, ...GROUP }) ?? '',
      groups:
        readStringList(obj, 'groups', path, issues, { ...GROUP, required: true, nonEmpty: true }) ??
        [],
      actions: actions as RepositoryAction[],
    });
  });
  return out;
}

const CONSOLE_KEYS = [
  'issuer',
  'clientId',
  'clientSecretEnv',
  'redirectUri',
  'scopes',
  'sessionTtl',
];
const SCOPE_TOKEN = {
  max: 128,
  pattern: /^[\x21\x23-\x5b\x5d-\x7e]+$/,
  patternMessage: 'invalid scope',
};

/**
 * `identity.console`: browser sign-in. It verifies ID tokens through `identity.oidc`, so the
 * issuer must be configured there and the client id must be one of its audiences.
 */
function readConsole(
  value: unknown,
  issues: Issues,
  oidc: readonly OidcIssuerConfig[],
): ConsoleSignInConfig | null {
  if (value === undefined || value === null) return null;
  const path = 'identity.console';
  const obj = readObject(value, path, issues, CONSOLE_KEYS);
  if (!obj) return null;
  const issuer = readUrl(obj, 'issuer', path, issues) ?? oidc[0]?.issuer;
  const trusted = oidc.find((i) => i.issuer === issuer);
  if (!trusted) {
    issues.add(
      joinPath(path, 'issuer'),
      oidc.length === 0
        ? 'needs an issuer in identity.oidc'
        : 'must be one of identity.oidc[].issuer',
    );
  }
  const clientId = readString(obj, 'clientId', path, issues, { required: true, max: 256 }) ?? '';
  if (trusted && clientId !== '' && !trusted.audience.includes(clientId)) {
    issues.add(
      joinPath(path, 'clientId'),
      "must be one of the issuer's audience values (ID tokens carry the client id as aud)",
    );
  }
  const redirectUri = readUrl(obj, 'redirectUri', path, issues, { required: true }) ?? '';
  const scopes = readStringList(obj, 'scopes', path, issues, {
    ...SCOPE_TOKEN,
    nonEmpty: true,
    maxItems: 32,
  }) ?? ['openid', 'profile', 'email'];
  if (!scopes.includes('openid')) issues.add(joinPath(path, 'scopes'), 'must include openid');
  const sessionTtlMs = readDuration(obj, 'sessionTtl', path, issues) ?? 8 * 3_600_000;
  if (sessionTtlMs > 7 * 24 * 3_600_000)
    issues.add(joinPath(path, 'sessionTtl'), 'must be at most 7d');
  return {
    issuer: issuer ?? '',
    clientId,
    clientSecretEnv: readEnvName(obj, 'clientSecretEnv', path, issues) ?? null,
    redirectUri,
    scopes,
    sessionTtlMs,
  };
}

export function readIdentity(value: unknown, issues: Issues, baseDir: string): IdentityConfig {
  const obj = readObject(value, 'identity', issues, ['oidc', 'rbac', 'console']) ?? {};
  const rbacValue = own(obj, 'rbac');
  const rbacKeys = ['scopes', 'groupMappings', 'repositoryPermissions'];
  const rbacObj = readObject(rbacValue, 'identity.rbac', issues, rbacKeys) ?? {};
  const rbac: RbacConfig = {
    scopes: readScopes(own(rbacObj, 'scopes'), issues),
    groupMappings: readGroupMappings(own(rbacObj, 'groupMappings'), issues),
    repositoryPermissions: readRepositoryPermissions(own(rbacObj, 'repositoryPermissions'), issues),
  };
  const oidc = readOidc(own(obj, 'oidc'), issues, baseDir);
  return { oidc, rbac, console: readConsole(own(obj, 'console'), issues, oidc) };
}
