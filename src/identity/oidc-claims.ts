/**
 * From a verified OIDC claims set to a Principal: external groups from the configured claim (or
 * `roles`), RBAC mapping, scopes and a display name. Pure: runs only after the signature and the
 * registered claims have been checked.
 */
import type { JWTPayload } from 'jose';
import type { Principal } from '../domain/principal.js';
import type { RbacConfig } from '../config/config-types.js';
import { mapGroups, scopesFor } from './rbac.js';

/** Bounds on what a token may contribute; anything beyond is ignored, never an error. */
const MAX_GROUPS = 256;
const MAX_GROUP_LENGTH = 256;
const MAX_NAME_LENGTH = 256;
const GROUP_SEPARATORS = /[\s,]+/;

function claim(claims: JWTPayload, name: string): unknown {
  // own properties only: a claim named "__proto__" or "constructor" reads as absent
  return Object.hasOwn(claims, name) ? claims[name] : undefined;
}

/**
 * External groups from `groupsClaim`, falling back to `roles` when that claim is absent. An
 * array keeps its string members; a string is split on whitespace and commas. A claim of any
 * other shape yields no groups (least privilege), and does not fall back.
 */
export function externalGroups(claims: JWTPayload, groupsClaim: string): string[] {
  // attacker-controlled (though signed): parse defensively
  let raw = claim(claims, groupsClaim);
  if (raw === undefined) raw = claim(claims, 'roles');
  let values: unknown[];
  if (typeof raw === 'string') values = raw.split(GROUP_SEPARATORS);
  else if (Array.isArray(raw)) values = raw;
  else return [];
  const out = new Set<string>();
  for (const v of values) {
    if (out.size >= MAX_GROUPS) break;
    if (typeof v !== 'string') continue;
    const g = v.trim();
    if (g !== '' && g.length <= MAX_GROUP_LENGTH) out.add(g);
  }
  return [...out];
}

/** `email` ?? `preferred_username` ?? `name` ?? `sub`, each only when a usable string. */
export function displayName(claims: JWTPayload, sub: string): string {
  for (const key of ['email', 'preferred_username', 'name']) {
    const v = claim(claims, key);
    if (typeof v === 'string' && v.trim() !== '' && v.length <= MAX_NAME_LENGTH) return v.trim();
  }
  return sub;
}

/** The Principal for a verified token of `issuer` whose subject is `sub`. */
export function principalFromClaims(
  issuer: string,
  sub: string,
  claims: JWTPayload,
  groupsClaim: string,
  rbac: RbacConfig,
): Principal {
  const id = `oidc:${issuer}#${sub}`;
  const groups = mapGroups(externalGroups(claims, groupsClaim), rbac);
  return {
    id,
    kind: 'user',
    name: displayName(claims, sub),
    groups,
    scopes: scopesFor(groups, rbac),
    fingerprint: id,
  };
}
