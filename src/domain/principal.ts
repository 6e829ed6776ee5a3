/** Who is acting. Identity comes only from authentication (docs/domain.md §7). */

export type Scope =
  | 'approvals:request'
  | 'approvals:review'
  | 'gate:check'
  | 'audit:read'
  /** Registers pipeline versions (the builds replays and `requireRegisteredVersion` accept). */
  | 'versions:write'
  /** Reads `/metrics`. */
  | 'metrics:read'
  | 'admin';

export const ALL_SCOPES: readonly Scope[] = [
  'approvals:request',
  'approvals:review',
  'gate:check',
  'audit:read',
  'versions:write',
  'metrics:read',
  'admin',
];

/** `imported`: a name copied from another system's record (CAVRA); it was never verified. */
export type PrincipalKind = 'apikey' | 'user' | 'system' | 'dev' | 'local' | 'imported';

export interface Principal {
  /** Stable id: `apikey:<keyId>`, `oidc:<issuer>#<sub>`, `system`, `dev:<name>`, `local:<os user>`. */
  id: string;
  kind: PrincipalKind;
  /** Human-readable name (key name, email, subject). */
  name: string;
  /** Approver groups the principal belongs to (after RBAC mapping). */
  groups: string[];
  scopes: Scope[];
  /**
   * Fingerprint of the credential used to authenticate (API key id, token subject+issuer).
   * Separation of duties compares this as well as `id`.
   */
  fingerprint: string;
}

/** What is stored about a principal on a request, review or event. */
export interface PrincipalRef {
  id: string;
  kind: PrincipalKind;
  name: string;
  fingerprint: string;
}

export function principalRef(p: Principal): PrincipalRef {
  return { id: p.id, kind: p.kind, name: p.name, fingerprint: p.fingerprint };
}

export const SYSTEM_PRINCIPAL: Principal = {
  id: 'system',
  kind: 'system',
  name: 'system',
  groups: [],
  scopes: [],
  fingerprint: 'system',
};

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes('admin') || p.scopes.includes(scope);
}
