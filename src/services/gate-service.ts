/**
 * The gate (docs/domain.md §5): policy first (deny postures win over any credential), then the
 * pipeline-version registry (execute replay, `requireRegisteredVersion`) and the replay
 * source-environment checks, then the credential through the
 * same verifier runtimes use offline, then the online checks (revoked, consumed, policy drift,
 * self-approval). Exactly one audit event per call, in the transaction that consumes a
 * single-use credential; if it cannot be written the call fails closed.
 */
import type { ApprovalRequest } from '../domain/approval.js';
import type { Decision } from '../domain/decision.js';
import type { Principal } from '../domain/principal.js';
import type { CredentialClaims, VerifyCode } from '../credentials/verify/index.js';
import { decisionDifferences } from '../credentials/verify/decision-binding.js';
import type { ErrorCode } from '../errors/index.js';
import type { Page, PageRequest, PipelineVersion } from '../store/port.js';
import { isoAt } from '../lib/clock.js';
import { assertScope } from './access.js';
import { auditEvent, decisionFields } from './audit-events.js';
import type { ServiceDeps } from './ports.js';
import type { EvaluateService } from './evaluate-service.js';
import { actionRejection } from './action-checks.js';

export type GateDeps = Pick<ServiceDeps, 'store' | 'clock' | 'ids' | 'policy' | 'verifier'> & {
  evaluator: Pick<EvaluateService, 'decide'>;
};

export interface GateInput {
  action: unknown;
  credential?: string;
}

export type GateResult =
  | { allowed: true; decision: Decision; approvalId: string | null }
  | {
      allowed: false;
      decision: Decision;
      code: ErrorCode;
      message: string;
      approvalId: string | null;
      details?: Record<string, unknown>;
    };

interface Rejection {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

const reject = (code: ErrorCode, message: string, details?: Record<string, unknown>): Rejection =>
  details ? { code, message, details } : { code, message };

export function createGateService(deps: GateDeps) {
  function policyRejection(d: Decision): Rejection | null {
    switch (d.outcome) {
      case 'deny':
        return reject(
          d.reasonCode === 'replay_disabled' || d.reasonCode === 'no_approver_group'
            ? d.reasonCode
            : 'action_denied_by_posture',
          d.reason,
        );
      case 'dry_run_only':
        return reject('dry_run_only', d.reason);
      default:
        return null;
    }
  }

  /**
   * Online checks 13–16 of docs/credential-format.md, after the offline verifier accepted the
   * token. The gate re-decides every time: the presented action, evaluated now, must decide
   * exactly as the approved one did (rule, quorum, risk tags, constraints). A difference under
   * another policy is drift (`policy_snapshot_mismatch`); under the same policy the action is
   * not the one approved (`decision_mismatch`).
   */
  async function onlineRejection(
    claims: CredentialClaims,
    approval: ApprovalRequest | null,
    current: Decision,
  ): Promise<Rejection | null> {
    if (!approval || approval.state === 'revoked' || approval.id !== claims.sub) {
      return reject('approval_revoked', 'the approval behind this credential was revoked');
    }
    if (claims.single_use && (await deps.store.isCredentialConsumed(claims.jti))) {
      return reject('credential_consumed', 'this single-use credential was already used');
    }
    const differs = decisionDifferences(claims, current);
    if (differs.length > 0 && claims.policy !== current.policySnapshot) {
      return reject(
        'policy_snapshot_mismatch',
        'the policy changed since this credential was issued and now decides this action differently',
        { issuedUnder: claims.policy, current: current.policySnapshot, differs },
      );
    }
    if (differs.length > 0) {
      return reject(
        'decision_mismatch',
        `this action decides differently from the approved one (${differs.join(', ')})`,
        {
          differs,
          approved: {
            rule: claims.rule,
            quorum: claims.quorum,
            riskTags: claims.risk_tags,
            constraints: claims.constraints,
          },
          current: {
            rule: current.matchedRule,
            quorum: current.quorum,
            riskTags: current.riskTags,
            constraints: current.constraints,
          },
        },
      );
    }
    if (!claims.break_glass && claims.approvers.some((a) => a.sub === claims.requested_by)) {
      return reject('self_approval', 'an approver of this credential is its requester');
    }
    return null;
  }

  async function check(principal: Principal, input: GateInput): Promise<GateResult> {
    assertScope(principal, 'gate:check');
    const action = deps.policy.normalizeAction(input.action);
    const decision = deps.evaluator.decide(action);
    const nowMs = deps.clock.now();
    let rejection: Rejection | null =
      policyRejection(decision) ??
      // the action's own checks (action-checks.ts): pipeline-version registry, replay source
      (await actionRejection(deps, action));
    let claims: CredentialClaims | null = null;
    let approval: ApprovalRequest | null = null;

    if (!rejection && decision.outcome === 'require_approval') {
      if (!input.credential) {
        rejection = reject(
          'approval_required',
          `${decision.reason}; present an approval credential`,
        );
      } else {
        const verified = deps.verifier
          ? await deps.verifier.verify(input.credential, action, {
              posture: decision.posture,
              requiredCapabilities: decision.requiredCapabilities,
              nowMs,
            })
          : {
              ok: false as const,
              code: 'keyset_unavailable' as VerifyCode,
              message: 'no verification keys are available',
            };
        if (!verified.ok) {
          rejection = reject(verified.code, verified.message, verified.details);
        } else {
          claims = verified.claims;
          approval = await deps.store.getApproval(claims.sub);
          rejection = await onlineRejection(claims, approval, decision);
        }
      }
    }

    const approvalId = claims?.sub ?? null;
    const gateEvent = (final: Rejection | null) =>
      auditEvent(deps, final ? 'gate.rejected' : 'gate.allowed', principal, {
        ...decisionFields(decision),
        project: action.project,
        specHash: action.specHash,
        approvalId,
        outcome: final ? 'rejected' : 'allowed',
        reasonCode: final ? final.code : decision.reasonCode,
        details: {
          kind: action.kind,
          mode: action.mode,
          target: action.target ?? null,
          policyOutcome: decision.outcome,
          credentialPresented: input.credential !== undefined,
          ...(claims
            ? {
                jti: claims.jti,
                breakGlass: claims.break_glass,
                approvers: claims.approvers.map((a) => a.sub),
              }
            : {}),
          ...(final?.details ? { rejection: final.details } : {}),
          ...(approval?.breakGlass ? { externalRef: approval.breakGlass.externalRef } : {}),
        },
      });
    // no credential to re-check or consume: the answer changes nothing but the log
    if (rejection || !claims) {
      await deps.store.appendAudit(gateEvent(rejection));
    }
    const outcome =
      rejection || !claims
        ? rejection
        : await deps.store.transaction(async (tx) => {
            let final: Rejection | null = null;
            const verified = claims as CredentialClaims;
            // read again inside the transaction (PostgreSQL: row-locked), so a revocation that
            // committed after the read above is seen before a single-use credential is consumed
            approval = await tx.getApproval(verified.sub);
            if (!approval || approval.state === 'revoked') {
              final = reject('approval_revoked', 'the approval behind this credential was revoked');
            }
            if (!final && verified.single_use) {
              // atomic: of two concurrent calls with one single-use credential exactly one consumes it
              if (!(await tx.consumeCredential(verified.jti, verified.sub, isoAt(nowMs)))) {
                final = reject(
                  'credential_consumed',
                  'this single-use credential was already used',
                );
              }
            }
            await tx.appendAudit(gateEvent(final));
            return final;
          });
    if (outcome) {
      return {
        allowed: false,
        decision,
        approvalId,
        code: outcome.code,
        message: outcome.message,
        ...(outcome.details ? { details: outcome.details } : {}),
      };
    }
    return { allowed: true, decision, approvalId };
  }

  /**
   * Registers a pipeline version of a project (admin or `versions:write`): the only way a spec
   * hash becomes a version (the gate never registers one). Registering the
   * stored version again changes nothing and is not audited; another version for the same spec
   * hash replaces it (audited, with the previous version). Answers the record as stored.
   */
  async function registerVersion(
    principal: Principal,
    input: { project: string; version: string; specHash: string },
  ): Promise<PipelineVersion> {
    assertScope(principal, 'versions:write');
    const v = { ...input, registeredAt: isoAt(deps.clock.now()), registeredBy: principal.id };
    return deps.store.transaction(async (tx) => {
      const previous = await tx.findPipelineVersion(v.project, v.specHash);
      if (await tx.registerPipelineVersion(v)) {
        // a registered version makes execute-mode replays of that spec resolvable: audited
        await tx.appendAudit(
          auditEvent(deps, 'pipeline.version_registered', principal, {
            project: v.project,
            specHash: v.specHash,
            outcome: 'registered',
            details: {
              version: v.version,
              ...(previous && previous.version !== v.version
                ? { previousVersion: previous.version }
                : {}),
            },
          }),
        );
      }
      const stored = await tx.findPipelineVersion(v.project, v.specHash);
      if (!stored) throw new Error('pipeline version missing after registration');
      return stored;
    });
  }

  /** A project's registered pipeline versions, latest first (any reader, or `versions:write`). */
  async function listVersions(
    principal: Principal,
    project: string,
    page: PageRequest,
  ): Promise<Page<PipelineVersion>> {
    assertScope(
      principal,
      'approvals:request',
      'approvals:review',
      'audit:read',
      'gate:check',
      'versions:write',
    );
    return deps.store.listPipelineVersions(project, page);
  }

  return { check, registerVersion, listVersions };
}

export type GateService = ReturnType<typeof createGateService>;
