/**
 * The CLI talks either to a server (remote: the typed client) or straight to a store (local:
 * the same services the server runs). Both answer with the same shapes, so every command works
 * both ways.
 */
import { userInfo } from 'node:os';
import { ApiError } from '../client/api-error.js';
import { CountersignClient } from '../client/http-client.js';
import type { Approval, CredentialResponse, Decision } from '../client/types.js';
import type { Principal } from '../domain/principal.js';
import { ALL_SCOPES } from '../domain/principal.js';
import { isCountersignError, InputError, statusForCode } from '../errors/index.js';
import { parseScopes } from '../identity/api-keys.js';
import { parseDuration } from '../lib/duration.js';
import type { Runtime } from '../runtime.js';
import { viewApproval } from '../services/read-service.js';
import { hashFromHex, type VerifyLogResult } from '../audit/index.js';
import { localAuditPinSource, localConsistency, type AuditPinSource } from './audit-pin-source.js';

export type Backend = Pick<
  CountersignClient,
  | 'evaluate'
  | 'createApproval'
  | 'listApprovals'
  | 'getApproval'
  | 'previousApproval'
  | 'approve'
  | 'deny'
  | 'expire'
  | 'cancel'
  | 'revoke'
  | 'breakGlass'
  | 'getCredential'
  | 'createApiKey'
  | 'listApiKeys'
  | 'revokeApiKey'
  | 'rotateApiKey'
  | 'listVersions'
> & {
  readonly mode: 'remote' | 'local';
  close(): Promise<void>;
  /** The gate: resolves for allowed and rejected alike (a rejection is an answer, not an error). */
  gateCheck(action: unknown, credential?: string): Promise<GateAnswer>;
  registerVersion(project: string, version: string, specHash: string): Promise<unknown>;
  /** The evidence bundle of an approval (docs/evidence.md). */
  evidenceBundle(approvalId: string): Promise<unknown>;
  /** The approval as an in-toto Statement in a DSSE envelope. */
  evidenceAttestation(approvalId: string): Promise<unknown>;
  attachDecision(approvalId: string, decisionId: string): Promise<Approval>;
  /** Every audit event in log order, page by page. */
  auditEvents(onPage: (items: { index: number; event: unknown }[]) => void): Promise<void>;
  /** Signs a checkpoint now when the log grew (local), or fetches the latest (remote). */
  auditCheckpoint(): Promise<{ size: number; rootHash: string; note: string }>;
  auditProve(index: number, size?: number): Promise<unknown>;
  /** Local only: recompute every leaf and node and check every checkpoint. */
  auditVerify(): Promise<VerifyLogResult>;
  /** Local only: the log's origin, checkpoint keys and cosigned checkpoints (for pinning). */
  auditPinSource(): Promise<AuditPinSource>;
  /** An RFC 9162 consistency proof between two tree sizes. */
  auditConsistency(from: number, to: number): Promise<Uint8Array[]>;
};

export type GateAnswer =
  | { allowed: true; decision: Decision; approvalId: string | null }
  | { allowed: false; code: string; detail: string; details?: Record<string, unknown> };

export function remoteBackend(url: string, token: string | undefined): Backend {
  const client = new CountersignClient({ url, ...(token ? { token } : {}) });
  return Object.assign(Object.create(client) as CountersignClient, {
    mode: 'remote' as const,
    close: async () => undefined,
    gateCheck: async (action: unknown, credential?: string): Promise<GateAnswer> => {
      try {
        const r = await client.request<{ decision: Decision; approvalId: string | null }>(
          'POST',
          '/v1/gate',
          {
            action,
            ...(credential !== undefined ? { credential } : {}),
          },
        );
        return { allowed: true, decision: r.body.decision, approvalId: r.body.approvalId };
      } catch (err) {
        // a 403 from the gate is its answer; anything else (401, 400, 503) is an error
        if (err instanceof ApiError && err.status === 403 && err.code !== 'forbidden') {
          return {
            allowed: false,
            code: err.code,
            detail: err.problem.detail ?? err.code,
            ...(err.problem.details ? { details: err.problem.details } : {}),
          };
        }
        throw err;
      }
    },
    auditEvents: async (onPage: (items: { index: number; event: unknown }[]) => void) => {
      let cursor: string | null = null;
      for (;;) {
        const qs: string = `?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page: {
          body: { items: { index: number; event: unknown }[]; nextCursor: string | null };
        } = await client.request('GET', `/v1/audit${qs}`);
        onPage(page.body.items);
        cursor = page.body.nextCursor;
        if (!cursor) return;
      }
    },
    auditCheckpoint: async () =>
      (
        await client.request<{ size: number; rootHash: string; note: string }>(
          'GET',
          '/v1/audit/checkpoint',
        )
      ).body,
    auditProve: async (index: number, size?: number) =>
      (
        await client.request(
          'GET',
          `/v1/audit/proofs/inclusion?index=${index}${size === undefined ? '' : `&size=${size}`}`,
        )
      ).body,
    auditVerify: async () => {
      throw new InputError('validation_failed', 'audit verify reads the store itself', [
        { path: '--db', message: 'pass --db PATH|URL or --config FILE' },
      ]);
    },
    auditPinSource: async () => {
      throw new InputError('validation_failed', 'pinning a log reads the store itself', [
        { path: '--db', message: 'pass --db PATH|URL or --config FILE' },
      ]);
    },
    auditConsistency: async (from: number, to: number) => {
      const r = await client.request<{ proof: string[] }>(
        'GET',
        `/v1/audit/proofs/consistency?from=${from}&to=${to}`,
      );
      return r.body.proof.map((h) => hashFromHex(h) ?? new Uint8Array(0));
    },
    evidenceBundle: async (id: string) =>
      (await client.request('GET', `/v1/evidence/${encodeURIComponent(id)}`)).body,
    evidenceAttestation: async (id: string) =>
      (await client.request('GET', `/v1/evidence/${encodeURIComponent(id)}/attestation`)).body,
    attachDecision: async (id: string, decisionId: string) =>
      (
        await client.request<Approval>(
          'POST',
          `/v1/approvals/${encodeURIComponent(id)}/attach-decision`,
          { decisionId },
        )
      ).body,
    registerVersion: async (project: string, version: string, specHash: string) =>
      (
        await client.request('POST', `/v1/projects/${encodeURIComponent(project)}/versions`, {
          version,
          specHash,
        })
      ).body,
  }) as Backend;
}

/** Local operators act as `local:<os user>`: they hold the store itself, so they have every scope. */
export function localPrincipal(groups: string[]): Principal {
  const user = userInfo().username || 'operator';
  return {
    id: `local:${user}`,
    kind: 'local',
    name: user,
    groups,
    scopes: [...ALL_SCOPES],
    fingerprint: `local:${user}`,
  };
}

/** Runs a local call and turns our errors into the same ApiError the remote client throws. */
async function asApi<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isCountersignError(err)) {
      throw new ApiError({
        status: statusForCode(err.code),
        code: err.code,
        detail: err.message,
        ...(err instanceof InputError && err.errors.length > 0 ? { errors: err.errors } : {}),
        ...(err.details ? { details: err.details } : {}),
      });
    }
    throw err;
  }
}

function ms(value: string | number | undefined, path: string): number | undefined {
  if (value === undefined) return undefined;
  const out = parseDuration(value);
  if (out === undefined) {
    throw new InputError('validation_failed', `${path} is not a duration`, [
      { path, message: 'must be like 30m or 2h' },
    ]);
  }
  return out;
}

export function localBackend(rt: Runtime, principal: Principal): Backend {
  const s = rt.services;
  const view = (a: Parameters<typeof viewApproval>[0]) =>
    viewApproval(a, principal, rt.clock.now(), rt.config.identity.rbac, {
      policy: rt.policy,
      linkTemplates: rt.config.console.links,
    }) as unknown as Approval;
  const get = async (id: string) => view(await s.reads.get(principal, id));
  return {
    mode: 'local',
    close: () => rt.close(),
    evaluate: (action) => asApi(async () => s.evaluator.evaluate(principal, action) as never),
    createApproval: (input) =>
      asApi(async () => {
        const ttlMs = ms(input.ttl, '/ttl');
        const r = await s.requests.create(principal, {
          ...(input.action !== undefined ? { action: input.action } : {}),
          ...(input.decisionId !== undefined ? { decisionId: input.decisionId } : {}),
          ...(ttlMs !== undefined ? { ttlMs } : {}),
          ...(input.callbackUrl !== undefined ? { callbackUrl: input.callbackUrl } : {}),
          ...(input.note !== undefined ? { note: input.note } : {}),
          ...(input.approverGroup !== undefined ? { approverGroup: input.approverGroup } : {}),
        });
        return { approval: await get(r.approval.id), created: r.created };
      }),
    listApprovals: (q) =>
      asApi(async () => {
        const { limit, cursor, usable, ...filter } = q ?? {};
        const page = { limit: limit ?? 50, ...(cursor ? { cursor } : {}) };
        if (usable && filter.actionHash) {
          const found = await s.eligibility.usable(principal, filter.actionHash, page);
          return { items: found.items.map(view), nextCursor: found.nextCursor };
        }
        const found = await s.reads.list(principal, filter, page);
        return { items: found.items as unknown as Approval[], nextCursor: found.nextCursor };
      }),
    getApproval: (id) => asApi(() => get(id)),
    previousApproval: (id) =>
      asApi(async () => (await s.reads.previous(principal, id)) as unknown as Approval | null),
    approve: (id, b) => asApi(async () => view(await s.reviews.approve(principal, id, b))),
    deny: (id, b) => asApi(async () => view(await s.reviews.deny(principal, id, b))),
    expire: (id, b = {}) =>
      asApi(async () => view(await s.lifecycle.expire(principal, id, b.reason))),
    cancel: (id, b = {}) =>
      asApi(async () => view(await s.lifecycle.cancel(principal, id, b.reason))),
    revoke: (id, b) => asApi(async () => view(await s.lifecycle.revoke(principal, id, b.reason))),
    breakGlass: (input) =>
      asApi(async () =>
        view(
          await s.breakGlass.breakGlass(principal, {
            action: input.action,
            reason: input.reason,
            approverGroup: input.approverGroup,
            expiresInMs: ms(input.expiresIn, '/expiresIn') as number,
            ...(input.externalRef !== undefined ? { externalRef: input.externalRef } : {}),
          }),
        ),
      ),
    getCredential: (id) =>
      asApi(async () => {
        const a = await get(id);
        if (a.state !== 'approved') {
          throw new ApiError({
            status: 409,
            code: 'credential_not_ready',
            detail: `approval ${id} is ${a.state}`,
          });
        }
        const c = await s.credentials.get(id);
        if (!c)
          throw new ApiError({
            status: 409,
            code: 'credential_not_ready',
            detail: 'no credential was issued',
          });
        return c as CredentialResponse;
      }),
    createApiKey: (input) =>
      asApi(async () => {
        const scopes = parseScopes(input.scopes);
        if ('invalid' in scopes) {
          throw new InputError('validation_failed', `unknown scope: ${scopes.invalid.join(', ')}`, [
            { path: '/scopes', message: `valid scopes: ${ALL_SCOPES.join(', ')}` },
          ]);
        }
        const out = await s.apiKeys.create(principal, {
          name: input.name,
          scopes,
          groups: input.groups ?? [],
        });
        return { key: out.key, apiKey: out.record };
      }),
    listApiKeys: () => asApi(() => s.apiKeys.list(principal)),
    gateCheck: (action, credential) =>
      asApi(async () => {
        const r = await s.gate.check(principal, {
          action,
          ...(credential !== undefined ? { credential } : {}),
        });
        if (r.allowed)
          return {
            allowed: true,
            decision: r.decision as unknown as Decision,
            approvalId: r.approvalId,
          };
        return {
          allowed: false,
          code: r.code,
          detail: r.message,
          ...(r.details ? { details: r.details } : {}),
        };
      }),
    auditEvents: (onPage) =>
      asApi(async () => {
        let cursor: string | null = null;
        for (;;) {
          const page = await s.audit.list(
            principal,
            {},
            { limit: 1000, ...(cursor ? { cursor } : {}) },
          );
          onPage(page.items);
          cursor = page.nextCursor;
          if (!cursor) return;
        }
      }),
    auditCheckpoint: () =>
      asApi(async () => {
        const c = await s.audit.checkpoint();
        if (!c)
          throw new ApiError({
            status: 404,
            code: 'not_found',
            detail: 'no checkpoint: the log is empty',
          });
        return c;
      }),
    auditProve: (index, size) => asApi(() => s.audit.proveInclusion(principal, index, size)),
    auditVerify: () => asApi(() => s.audit.verify()),
    listVersions: (project, q = {}) =>
      asApi(() =>
        s.gate.listVersions(principal, project, {
          limit: q.limit ?? 50,
          ...(q.cursor ? { cursor: q.cursor } : {}),
        }),
      ),
    auditPinSource: () => asApi(() => localAuditPinSource(rt)),
    auditConsistency: (from, to) => asApi(() => localConsistency(rt, principal, from, to)),
    registerVersion: (project, version, specHash) =>
      asApi(() => s.gate.registerVersion(principal, { project, version, specHash })),
    revokeApiKey: (id) => asApi(() => s.apiKeys.revoke(principal, id)),
    evidenceBundle: (id) => asApi(() => s.evidence.bundle(principal, id)),
    evidenceAttestation: (id) => asApi(() => s.evidence.attestation(principal, id)),
    attachDecision: (id, decisionId) =>
      asApi(async () => {
        await s.evidence.attachDecision(principal, id, decisionId);
        return get(id);
      }),
    rotateApiKey: (id) =>
      asApi(async () => {
        const out = await s.apiKeys.rotate(principal, id);
        return { key: out.key, apiKey: out.record, revoked: out.revoked };
      }),
  };
}
