/**
 * The CLI talks to the API through the typed client: to a server (remote), or to the same app run
 * in this process over `app.inject` (local: `--db`, `--config`; see in-process.ts). Both answer
 * with the same shapes and errors, so every command works both ways.
 */
import { userInfo } from 'node:os';
import { ApiError } from '../client/api-error.js';
import { CountersignClient } from '../client/http-client.js';
import type { Approval, Decision } from '../client/types.js';
import type { Principal } from '../domain/principal.js';
import { ALL_SCOPES } from '../domain/principal.js';
import { InputError } from '../errors/index.js';
import { hashFromHex, type VerifyLogResult } from '../audit/index.js';
import type { AuditPinSource } from './audit-pin-source.js';
import type { CountersignConfig } from '../config/index.js';

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
  | 'deliver'
  | 'waitForDecision'
> & {
  readonly mode: 'remote' | 'local';
  /** Local mode: the deployment's configuration (its notification settings, for one). */
  readonly config?: CountersignConfig;
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
  auditVerify(onProgress?: (verified: number, total: number) => void): Promise<VerifyLogResult>;
  /** Local only: the log's origin, checkpoint keys and cosigned checkpoints (for pinning). */
  auditPinSource(): Promise<AuditPinSource>;
  /** An RFC 9162 consistency proof between two tree sizes. */
  auditConsistency(from: number, to: number): Promise<Uint8Array[]>;
};

export type GateAnswer =
  | { allowed: true; decision: Decision; approvalId: string | null }
  | { allowed: false; code: string; detail: string; details?: Record<string, unknown> };

export function remoteBackend(url: string, token: string | undefined): Backend {
  return clientBackend(new CountersignClient({ url, ...(token ? { token } : {}) }), 'remote');
}

/**
 * Every command over the typed client: to a server (remote), or to the same app run in this
 * process (local, src/cli/in-process.ts), which overrides what only the store itself can answer.
 */
export function clientBackend(client: CountersignClient, mode: Backend['mode']): Backend {
  return Object.assign(Object.create(client) as CountersignClient, {
    mode,
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
