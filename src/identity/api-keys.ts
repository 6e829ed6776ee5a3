/**
 * API keys for machines: `cs_<id>_<secret>`. Only sha256(secret) is stored; lookups go by id and
 * the secret is compared in constant time.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal, Scope } from '../domain/principal.js';
import { ALL_SCOPES } from '../domain/principal.js';
import { sha256, sha256Hex } from '../lib/hash.js';
import type { ApiKeyRecord } from '../store/port.js';
import { isLiteralGroup } from './rbac.js';

const KEY_RE = /^cs_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  /** The full key, shown once. */
  key: string;
  id: string;
  secretHash: string;
}

export function generateApiKey(): NewApiKey {
  const id = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  return generateApiKeySecret(id);
}

/** A new secret for an existing key id (rotation in place: the principal stays the same). */
export function generateApiKeySecret(id: string): NewApiKey {
  const secret = randomBytes(32).toString('base64url');
  return { key: `cs_${id}_${secret}`, id, secretHash: sha256Hex(secret) };
}

export function isApiKeyFormat(token: string): boolean {
  return token.startsWith('cs_');
}

/** Splits a presented key; undefined when it is not of our format. */
export function parseApiKey(token: string): { id: string; secret: string } | undefined {
  // attacker-controlled: parse defensively
  const m = KEY_RE.exec(token);
  return m ? { id: m[1] as string, secret: m[2] as string } : undefined;
}

const SECRET_HASH_RE = /^[0-9a-f]{64}$/;

/** True when the presented secret matches the record (constant time) and the key is live. */
export function apiKeyMatches(record: ApiKeyRecord, secret: string): boolean {
  // both sides are SHA-256 digests (32 bytes), so comparing them in constant time leaks nothing
  // about the secret's length; a stored hash of any other form matches nothing
  if (!SECRET_HASH_RE.test(record.secretHash)) return false;
  const ok = timingSafeEqual(sha256(secret), Buffer.from(record.secretHash, 'hex'));
  return ok && record.revokedAt === null;
}

export function principalForApiKey(record: ApiKeyRecord): Principal {
  return {
    id: `apikey:${record.id}`,
    kind: 'apikey',
    name: record.name,
    // a key stored with `*` before it was refused holds no such group: names are literal
    groups: record.groups.filter(isLiteralGroup),
    scopes: [...record.scopes],
    fingerprint: `apikey:${record.id}`,
  };
}

export function parseScopes(values: readonly string[]): Scope[] | { invalid: string[] } {
  const invalid = values.filter((v) => !(ALL_SCOPES as readonly string[]).includes(v));
  if (invalid.length > 0) return { invalid };
  return [...new Set(values)] as Scope[];
}

/** What the API and CLI show of a key: never the secret or its hash. */
export function describeApiKey(record: ApiKeyRecord) {
  return {
    id: record.id,
    name: record.name,
    scopes: record.scopes,
    groups: record.groups,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    lastUsedAt: record.lastUsedAt,
    revokedAt: record.revokedAt,
  };
}
