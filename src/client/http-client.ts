/** A typed client for the Countersign REST API (global fetch; no other dependency). */
import { ApiError, type ProblemDetails } from './api-error.js';
import type {
  ActionInput,
  ApiKeyView,
  Approval,
  BreakGlassInput,
  CreateApprovalInput,
  CredentialResponse,
  Decision,
  DeliveryEvidence,
  ListApprovalsQuery,
  PipelineVersion,
} from './types.js';
import {
  gate,
  requireApproval,
  waitForDecision,
  type GateResult,
  type RequireApprovalOptions,
  type WaitOptions,
} from './resume.js';

export interface ClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** API key (`cs_…`) or OIDC access token. */
  token?: string;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/**
 * The Countersign API client.
 *
 * @example
 * ```ts
 * import { CountersignClient } from 'countersign/client';
 * const cs = new CountersignClient({ url: 'http://127.0.0.1:8080', token: process.env.COUNTERSIGN_TOKEN });
 * const { approval } = await cs.requestApproval({ kind: 'deploy', environment: 'prod', project: 'shop', spec: { image: 'shop:1.4.2' } });
 * ```
 */
export class CountersignClient {
  private readonly base: string;
  private readonly opts: ClientOptions;

  constructor(opts: ClientOptions) {
    if (!/^https?:\/\//.test(opts.url)) throw new TypeError('url must be an http(s) URL');
    this.base = opts.url.replace(/\/+$/, '');
    this.opts = opts;
  }

  /** Low-level request: JSON in, JSON out; non-2xx answers throw {@link ApiError}. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    init: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.opts.headers };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(init.timeoutMs ?? this.opts.timeoutMs ?? 30_000);
    const signal = init.signal ? AbortSignal.any([timeout, init.signal]) : timeout;
    const res = await (this.opts.fetch ?? fetch)(`${this.base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal,
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok) {
      const p = (
        typeof parsed === 'object' && parsed !== null ? parsed : {}
      ) as Partial<ProblemDetails>;
      throw new ApiError({
        ...p,
        status: res.status,
        code: typeof p.code === 'string' ? p.code : `http_${res.status}`,
      } as ProblemDetails);
    }
    return { status: res.status, body: parsed as T };
  }

  /** Evaluates an action against policy: the decision says whether approval is needed. */
  async evaluate(action: ActionInput): Promise<{ action: ActionInput; decision: Decision }> {
    return (
      await this.request<{ action: ActionInput; decision: Decision }>('POST', '/v1/decisions', {
        action,
      })
    ).body;
  }

  /** Opens a request (or returns the pending one for the same action: `created: false`). */
  async createApproval(
    input: CreateApprovalInput,
  ): Promise<{ approval: Approval; created: boolean }> {
    const r = await this.request<Approval>('POST', '/v1/approvals', input);
    return { approval: r.body, created: r.status === 201 };
  }

  /** Shorthand for {@link createApproval} with just an action. */
  requestApproval(
    action: ActionInput,
    extra: Omit<CreateApprovalInput, 'action' | 'decisionId'> = {},
  ) {
    return this.createApproval({ action, ...extra });
  }

  async listApprovals(
    query: ListApprovalsQuery = {},
  ): Promise<{ items: Approval[]; nextCursor: string | null }> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    const suffix = qs.size > 0 ? `?${qs.toString()}` : '';
    return (
      await this.request<{ items: Approval[]; nextCursor: string | null }>(
        'GET',
        `/v1/approvals${suffix}`,
      )
    ).body;
  }

  /**
   * The approvals of `actionHash` whose credential would pass the gate now (approved, not
   * expired, revoked or consumed, and decided as the policy decides it today), newest first.
   */
  async usableApprovals(actionHash: string): Promise<Approval[]> {
    return (await this.listApprovals({ actionHash, usable: true, limit: 200 })).items;
  }

  /** A project's registered pipeline versions, latest registration first. */
  async listVersions(
    project: string,
    query: { limit?: number; cursor?: string } = {},
  ): Promise<{ items: PipelineVersion[]; nextCursor: string | null }> {
    const qs = new URLSearchParams();
    if (query.limit !== undefined) qs.set('limit', String(query.limit));
    if (query.cursor !== undefined) qs.set('cursor', query.cursor);
    const suffix = qs.size > 0 ? `?${qs.toString()}` : '';
    return (
      await this.request<{ items: PipelineVersion[]; nextCursor: string | null }>(
        'GET',
        `/v1/projects/${encodeURIComponent(project)}/versions${suffix}`,
      )
    ).body;
  }

  async getApproval(id: string): Promise<Approval> {
    return (await this.request<Approval>('GET', `/v1/approvals/${encodeURIComponent(id)}`)).body;
  }

  /** The newest approved request for the same environment, project and kind before this one. */
  async previousApproval(id: string): Promise<Approval | null> {
    return (
      await this.request<{ previous: Approval | null }>(
        'GET',
        `/v1/approvals/${encodeURIComponent(id)}/previous`,
      )
    ).body.previous;
  }

  private async act(id: string, verb: string, body: object): Promise<Approval> {
    return (
      await this.request<Approval>('POST', `/v1/approvals/${encodeURIComponent(id)}/${verb}`, body)
    ).body;
  }
  /** The reason may be left out where policy `approvalReason` is optional. */
  approve(id: string, body: { reason?: string; externalRef?: string }) {
    return this.act(id, 'approve', body);
  }
  deny(id: string, body: { reason: string }) {
    return this.act(id, 'deny', body);
  }
  expire(id: string, body: { reason?: string } = {}) {
    return this.act(id, 'expire', body);
  }
  cancel(id: string, body: { reason?: string } = {}) {
    return this.act(id, 'cancel', body);
  }
  revoke(id: string, body: { reason: string }) {
    return this.act(id, 'revoke', body);
  }

  async breakGlass(input: BreakGlassInput): Promise<Approval> {
    return (await this.request<Approval>('POST', '/v1/approvals/break-glass', input)).body;
  }

  /** The signed credential of an approved request (409 `credential_not_ready` before that). */
  async getCredential(id: string): Promise<CredentialResponse> {
    return (
      await this.request<CredentialResponse>(
        'GET',
        `/v1/approvals/${encodeURIComponent(id)}/credential`,
      )
    ).body;
  }

  /**
   * Waits until the request is decided (long-polls `GET /v1/approvals/{id}/wait`, waking the
   * moment it is decided) or `timeoutMs` passes; resolves with the request as it is then, which
   * is still `pending` after a timeout.
   *
   * @example
   * ```ts
   * const decided = await cs.waitForDecision(approval.id, { timeoutMs: 15 * 60_000 });
   * if (decided.state !== 'approved') process.exit(1);
   * ```
   */
  waitForDecision(id: string, opts: WaitOptions = {}): Promise<Approval> {
    return waitForDecision(this, id, opts);
  }

  /**
   * Asks the gate whether the action may run now (with the credential of its approval, when it
   * needed one). A rejection is an answer (`allowed: false` with its reason code), not an error.
   *
   * @example
   * ```ts
   * const r = await cs.gate(action, (await cs.getCredential(id)).token);
   * if (r.allowed) await deploy();
   * ```
   */
  gate(action: ActionInput, credential?: string): Promise<GateResult> {
    return gate(this, action, credential);
  }

  /**
   * Runs `run` only once the action is allowed: evaluates it, opens a request (idempotent),
   * waits for the decision, fetches the credential and passes the gate, then calls
   * `run(credential)` (`null` when policy allows the action without approval). Throws
   * {@link ApprovalRejectedError} with a code when it is denied, expires, is cancelled or
   * revoked, times out, or the gate rejects it; `run` is not called then.
   *
   * @example
   * ```ts
   * await cs.requireApproval(
   *   { kind: 'deploy', environment: 'prod', project: 'shop', spec: { image: 'shop:1.4.2' } },
   *   async (credential) => deploy({ approval: credential?.token }),
   *   { timeoutMs: 30 * 60_000, onPending: (a) => console.log(`waiting for ${a.id}`) },
   * );
   * ```
   */
  requireApproval<T>(
    action: ActionInput,
    run: (credential: CredentialResponse | null) => Promise<T> | T,
    opts: RequireApprovalOptions = {},
  ): Promise<T> {
    return requireApproval(this, action, run, opts);
  }

  /**
   * Delivers the request's notifications now (admin) and returns the redacted delivery evidence.
   *
   * @example
   * ```ts
   * const { deliveries } = await cs.deliver(id, { providers: ['slack'] });
   * ```
   */
  async deliver(
    id: string,
    body: { providers?: string[] } = {},
  ): Promise<{ approvalId: string; deliveries: DeliveryEvidence[] }> {
    return (
      await this.request<{ approvalId: string; deliveries: DeliveryEvidence[] }>(
        'POST',
        `/v1/approvals/${encodeURIComponent(id)}/deliver`,
        body,
      )
    ).body;
  }

  async createApiKey(input: {
    name: string;
    scopes: string[];
    groups?: string[];
  }): Promise<{ key: string; apiKey: ApiKeyView }> {
    return (await this.request<{ key: string; apiKey: ApiKeyView }>('POST', '/v1/apikeys', input))
      .body;
  }
  async listApiKeys(): Promise<ApiKeyView[]> {
    return (await this.request<{ items: ApiKeyView[] }>('GET', '/v1/apikeys')).body.items;
  }
  async revokeApiKey(id: string): Promise<ApiKeyView> {
    return (
      await this.request<ApiKeyView>('POST', `/v1/apikeys/${encodeURIComponent(id)}/revoke`, {})
    ).body;
  }
  /**
   * Gives a key a new secret in place (same id, so the same principal); the old secret stops
   * working at once. The new key is in the answer only; `revoked` describes the retired secret.
   *
   * @example
   * const { key, apiKey, revoked } = await client.rotateApiKey('k2m4x9q0abcd');
   */
  async rotateApiKey(
    id: string,
  ): Promise<{ key: string; apiKey: ApiKeyView; revoked: ApiKeyView }> {
    return (
      await this.request<{ key: string; apiKey: ApiKeyView; revoked: ApiKeyView }>(
        'POST',
        `/v1/apikeys/${encodeURIComponent(id)}/rotate`,
        {},
      )
    ).body;
  }
}
