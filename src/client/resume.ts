/**
 * Resuming a run: wait for the decision, pass the gate, and only then act. Used through the
 * {@link CountersignClient} methods of the same names.
 */
import { ApiError } from './api-error.js';
import type {
  ActionInput,
  Approval,
  ApprovalState,
  CreateApprovalInput,
  CredentialResponse,
  Decision,
} from './types.js';

/** What resuming needs of the client ({@link CountersignClient} has it). */
export interface ResumeClient {
  request<T>(
    method: string,
    path: string,
    body?: unknown,
    init?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<{ status: number; body: T }>;
  evaluate(action: ActionInput): Promise<{ action: ActionInput; decision: Decision }>;
  createApproval(input: CreateApprovalInput): Promise<{ approval: Approval; created: boolean }>;
  getCredential(id: string): Promise<CredentialResponse>;
}

/** The server answers a long-poll after at most this long. */
const MAX_POLL_MS = 60_000;
/** Slack for the HTTP request beyond the long-poll itself. */
const POLL_SLACK_MS = 10_000;

export interface WaitOptions {
  /** Give up after this long and resolve with the request still pending (default 10 min). */
  timeoutMs?: number;
  /** Aborts the wait (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Length of each long-poll, at most 60 s (default 30 s). */
  pollMs?: number;
}

/**
 * The answer of the gate: allowed, or rejected with its reason code (`approval_required`,
 * `spec_hash_mismatch`, `credential_consumed`, …).
 *
 * @example
 * ```ts
 * const r = await cs.gate(action, credential.token);
 * if (!r.allowed) console.error(`gate said no: ${r.code}`);
 * ```
 */
export type GateResult =
  | { allowed: true; decision: Decision; approvalId: string | null }
  | { allowed: false; code: string; detail: string; details?: Record<string, unknown> };

/**
 * Why {@link CountersignClient.requireApproval} did not run the action:
 * `denied`, `expired`, `cancelled`, `revoked` (the request ended so), `timeout` (still pending
 * when the wait ran out), `policy_denied` (policy forbids the action outright) or
 * `gate_rejected` (the gate refused; `reasonCode` says why).
 */
export type RequireApprovalCode =
  'denied' | 'expired' | 'cancelled' | 'revoked' | 'timeout' | 'policy_denied' | 'gate_rejected';

/**
 * Thrown by {@link CountersignClient.requireApproval} when the action must not run.
 *
 * @example
 * ```ts
 * try {
 *   await cs.requireApproval(action, deploy);
 * } catch (err) {
 *   if (err instanceof ApprovalRejectedError && err.code === 'denied') process.exit(1);
 *   throw err;
 * }
 * ```
 */
export class ApprovalRejectedError extends Error {
  readonly code: RequireApprovalCode;
  /** The underlying reason code (policy or gate), when there is one. */
  readonly reasonCode: string | null;
  /** The request, when one was opened. */
  readonly approval: Approval | null;
  constructor(
    code: RequireApprovalCode,
    message: string,
    opts: { reasonCode?: string | null; approval?: Approval | null } = {},
  ) {
    super(message);
    this.name = 'ApprovalRejectedError';
    this.code = code;
    this.reasonCode = opts.reasonCode ?? null;
    this.approval = opts.approval ?? null;
  }
}

export interface RequireApprovalOptions extends WaitOptions {
  /** Extra fields of the request (ttl, note, callbackUrl, approverGroup). */
  request?: Omit<CreateApprovalInput, 'action' | 'decisionId'>;
  /** Called once with the request while it waits (e.g. to print its id or console link). */
  onPending?: (approval: Approval) => void;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

export async function waitForDecision(
  client: ResumeClient,
  id: string,
  opts: WaitOptions = {},
): Promise<Approval> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  const pollMs = Math.min(MAX_POLL_MS, Math.max(1000, opts.pollMs ?? 30_000));
  const path = `/v1/approvals/${encodeURIComponent(id)}/wait`;
  // bounded: each round waits at least a second unless the request is decided
  for (;;) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    const remaining = deadline - Date.now();
    const seconds = Math.max(0, Math.min(Math.ceil(pollMs / 1000), Math.ceil(remaining / 1000)));
    const r = await client.request<Approval>('GET', `${path}?timeout=${seconds}s`, undefined, {
      timeoutMs: seconds * 1000 + POLL_SLACK_MS,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (r.body.state !== 'pending' || Date.now() >= deadline || seconds === 0) return r.body;
  }
}

export async function gate(
  client: ResumeClient,
  action: ActionInput,
  credential?: string,
): Promise<GateResult> {
  try {
    const r = await client.request<{ decision: Decision; approvalId: string | null }>(
      'POST',
      '/v1/gate',
      { action, ...(credential !== undefined ? { credential } : {}) },
    );
    return { allowed: true, decision: r.body.decision, approvalId: r.body.approvalId };
  } catch (err) {
    // a 403 with a reason code is the gate's answer; `forbidden` (no scope) and the rest are errors
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
}

const ENDED: Readonly<Record<Exclude<ApprovalState, 'pending' | 'approved'>, RequireApprovalCode>> =
  { denied: 'denied', expired: 'expired', cancelled: 'cancelled', revoked: 'revoked' };

export async function requireApproval<T>(
  client: ResumeClient,
  action: ActionInput,
  run: (credential: CredentialResponse | null) => Promise<T> | T,
  opts: RequireApprovalOptions = {},
): Promise<T> {
  const { decision } = await client.evaluate(action);
  if (decision.outcome === 'allow') {
    const g = await gate(client, action);
    if (!g.allowed)
      throw new ApprovalRejectedError('gate_rejected', g.detail, { reasonCode: g.code });
    return run(null);
  }
  if (decision.outcome !== 'require_approval') {
    throw new ApprovalRejectedError('policy_denied', decision.reason, {
      reasonCode: decision.reasonCode,
    });
  }
  // idempotent: an identical pending request is returned, not duplicated
  let { approval } = await client.createApproval({ ...opts.request, action });
  if (approval.state === 'pending') {
    opts.onPending?.(approval);
    approval = await waitForDecision(client, approval.id, opts);
  }
  if (approval.state === 'pending') {
    throw new ApprovalRejectedError('timeout', `approval ${approval.id} is still pending`, {
      approval,
    });
  }
  if (approval.state !== 'approved') {
    const last = approval.history[approval.history.length - 1];
    const deny = approval.reviews.find((r) => r.verdict === 'deny');
    const why = last?.reason ?? (approval.state === 'denied' ? deny?.reason : undefined);
    throw new ApprovalRejectedError(
      ENDED[approval.state],
      `approval ${approval.id} was ${approval.state}${why ? `: ${why}` : ''}`,
      { approval },
    );
  }
  const credential = await client.getCredential(approval.id);
  const g = await gate(client, action, credential.token);
  if (!g.allowed) {
    throw new ApprovalRejectedError('gate_rejected', g.detail, { reasonCode: g.code, approval });
  }
  return run(credential);
}
