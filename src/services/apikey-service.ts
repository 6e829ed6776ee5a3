/** Creating, listing and revoking API keys (admin only); each is audited. */
import type { Principal, Scope } from '../domain/principal.js';
import { ConflictError, InputError } from '../errors/index.js';
import { describeApiKey, generateApiKey, generateApiKeySecret } from '../identity/api-keys.js';
import { isLiteralGroup } from '../identity/rbac.js';
import { isoAt } from '../lib/clock.js';
import type { ApiKeyRecord } from '../store/port.js';
import { assertScope } from './access.js';
import { auditEvent } from './audit-events.js';
import type { ServiceDeps } from './ports.js';

export type ApiKeyDeps = Pick<ServiceDeps, 'store' | 'clock' | 'ids'>;

export function createApiKeyService(deps: ApiKeyDeps) {
  /** Creates a key; `actor` null means bootstrap by `countersign init` (no caller yet). */
  async function create(
    actor: Principal,
    input: { name: string; scopes: Scope[]; groups?: string[] },
    opts: { bootstrap?: boolean } = {},
  ): Promise<{ key: string; record: ReturnType<typeof describeApiKey> }> {
    if (!opts.bootstrap) assertScope(actor, 'admin');
    const notLiteral = (input.groups ?? []).flatMap((g, i) =>
      isLiteralGroup(g) ? [] : [{ path: `/groups/${i}`, message: 'must be a group name, not *' }],
    );
    if (notLiteral.length > 0) {
      throw new InputError('validation_failed', 'an API key holds literal group names', notLiteral);
    }
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
   * Rotation in place: the key keeps its id (so it stays the same principal, `apikey:<id>`, and
   * separation of duties still sees its earlier requests) and gets a new secret; the previous
   * secret stops working at once. One transaction writes the new secret hash and its two audit
   * events: `apikey.revoked` for the old secret and `apikey.created` for the new one, both with
   * `rotated: true`. The new key is returned once. `revoked` describes the retired secret (same
   * id, revoked at the rotation time) for callers that show what stopped working.
   */
  async function rotate(actor: Principal, id: string) {
    assertScope(actor, 'admin');
    const at = isoAt(deps.clock.now());
    const generated = generateApiKeySecret(id);
    const old = await deps.store.transaction(async (tx): Promise<ApiKeyRecord> => {
      const current = await tx.getApiKey(id);
      if (!current) throw new ConflictError('not_found', `API key ${id} not found`);
      if (current.revokedAt !== null || !(await tx.replaceApiKeySecret(id, generated.secretHash))) {
        throw new ConflictError('already_revoked', `API key ${id} is already revoked`);
      }
      const details = { apiKeyId: id, name: current.name, rotated: true };
      await tx.appendAudit(
        auditEvent(deps, 'apikey.revoked', actor, {
          outcome: 'revoked',
          details: { ...details, secret: 'previous' },
        }),
      );
      await tx.appendAudit(
        auditEvent(deps, 'apikey.created', actor, {
          outcome: 'created',
          details: { ...details, secret: 'new', scopes: current.scopes, groups: current.groups },
        }),
      );
      return current;
    });
    const after = await deps.store.getApiKey(id);
    return {
      key: generated.key,
      record: describeApiKey(after as ApiKeyRecord),
      revoked: { ...describeApiKey(old), revokedAt: at },
    };
  }

  return { create, list, revoke, rotate };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
