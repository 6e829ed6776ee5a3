/** Creating, listing and revoking API keys (admin only); each is audited. */
import type { Principal, Scope } from '../domain/principal.js';
import { ConflictError } from '../errors/index.js';
import { describeApiKey, generateApiKey } from '../identity/api-keys.js';
import { isoAt } from '../lib/clock.js';
import type { ApiKeyRecord } from '../store/port.js';
import { assertScope } from './access.js';
import { auditEvent } from './audit-events.js';
import type { ServiceDeps } from './deps.js';

export type ApiKeyDeps = Pick<ServiceDeps, 'store' | 'clock' | 'ids'>;

export function createApiKeyService(deps: ApiKeyDeps) {
  /** Creates a key; `actor` null means bootstrap by `countersign init` (no caller yet). */
  async function create(
    actor: Principal,
    input: { name: string; scopes: Scope[]; groups?: string[] },
    opts: { bootstrap?: boolean } = {},
  ): Promise<{ key: string; record: ReturnType<typeof describeApiKey> }> {
    if (!opts.bootstrap) assertScope(actor, 'admin');
    const generated = generateApiKey();
    const record: ApiKeyRecord = {
      id: generated.id,
      name: input.name,
      secretHash: generated.secretHash,
      scopes: [...new Set(input.scopes)],
      groups: [...new Set(input.groups ?? [])],
      createdAt: isoAt(deps.clock.now()),
      createdBy: actor.id,
      lastUsedAt: null,
      revokedAt: null,
    };
    await deps.store.transaction(async (tx) => {
      await tx.insertApiKey(record);
      await tx.appendAudit(
        auditEvent(deps, 'apikey.created', actor, {
          outcome: 'created',
          details: {
            apiKeyId: record.id,
            name: record.name,
            scopes: record.scopes,
            groups: record.groups,
          },
        }),
      );
    });
    return { key: generated.key, record: describeApiKey(record) };
  }

  async function list(actor: Principal) {
    assertScope(actor, 'admin');
    return (await deps.store.listApiKeys()).map(describeApiKey);
  }

  async function revoke(actor: Principal, id: string) {
    assertScope(actor, 'admin');
    const at = isoAt(deps.clock.now());
    await deps.store.transaction(async (tx) => {
      const existing = await tx.getApiKey(id);
      if (!existing) throw new ConflictError('not_found', `API key ${id} not found`);
      if (!(await tx.revokeApiKey(id, at))) {
        throw new ConflictError('already_revoked', `API key ${id} is already revoked`);
      }
      await tx.appendAudit(
        auditEvent(deps, 'apikey.revoked', actor, {
          outcome: 'revoked',
          details: { apiKeyId: id, name: existing.name },
        }),
      );
    });
    const after = await deps.store.getApiKey(id);
    return describeApiKey(after as ApiKeyRecord);
  }

  /**
   * Rotation: a new key with the same name, scopes and groups, and the old one revoked, in one
   * transaction (both or neither). The new key is returned once.
   */
  async function rotate(actor: Principal, id: string) {
    assertScope(actor, 'admin');
    const at = isoAt(deps.clock.now());
    const generated = generateApiKey();
    const created = await deps.store.transaction(async (tx): Promise<ApiKeyRecord> => {
      const old = await tx.getApiKey(id);
      if (!old) throw new ConflictError('not_found', `API key ${id} not found`);
      if (old.revokedAt !== null || !(await tx.revokeApiKey(id, at))) {
        throw new ConflictError('already_revoked', `API key ${id} is already revoked`);
      }
      const record: ApiKeyRecord = {
        id: generated.id,
        name: old.name,
        secretHash: generated.secretHash,
        scopes: [...old.scopes],
        groups: [...old.groups],
        createdAt: at,
        createdBy: actor.id,
        lastUsedAt: null,
        revokedAt: null,
      };
      await tx.insertApiKey(record);
      const details = { name: old.name, rotatedFrom: old.id, rotatedTo: record.id };
      await tx.appendAudit(
        auditEvent(deps, 'apikey.created', actor, {
          outcome: 'created',
          details: {
            apiKeyId: record.id,
            scopes: record.scopes,
            groups: record.groups,
            ...details,
          },
        }),
      );
      await tx.appendAudit(
        auditEvent(deps, 'apikey.revoked', actor, {
          outcome: 'revoked',
          details: { apiKeyId: old.id, ...details },
        }),
      );
      return record;
    });
    const revoked = await deps.store.getApiKey(id);
    return {
      key: generated.key,
      record: describeApiKey(created),
      revoked: describeApiKey(revoked as ApiKeyRecord),
    };
  }

  return { create, list, revoke, rotate };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
