/**
 * Evidence for one approval (docs/domain.md §6, docs/evidence.md): the offline-verifiable bundle (the
 * request, its decisions, its credential, its audit events with inclusion proofs and a signed
 * checkpoint that covers them), the in-toto attestation in a DSSE envelope signed by the
 * credential key, and attaching further decisions of the same action to a request.
 */
import { approvalStatement, type ApprovalStatement } from '../evidence/attestation.js';
import type { DsseEnvelope } from '../evidence/dsse.js';
import { signStatement } from '../evidence/attestation.js';
import {
  EVIDENCE_SCHEMA,
  evidenceApproval,
  type EvidenceBundle,
  type EvidenceCheckpoint,
  type EvidenceCredential,
  type EvidenceEvent,
} from '../evidence/evidence.js';
import { decodeJwt } from 'jose';
import type { ApprovalRequest } from '../domain/approval.js';
import { effectiveState } from '../domain/approval.js';
import type { Decision } from '../domain/decision.js';
import type { Principal } from '../domain/principal.js';
import {
  ConflictError,
  CredentialError,
  InputError,
  PolicyError,
  ServiceError,
} from '../errors/index.js';
import { isoAt } from '../lib/clock.js';
import { sha256Hex } from '../lib/hash.js';
import type { StoredAuditEvent, StoredCheckpoint } from '../store/port.js';
import { assertScope, isAdmin, isRequester } from './access.js';
import type { AuditService } from './audit-service.js';
import type { WitnessService } from './witness-service.js';
import type { ServiceDeps } from './ports.js';
import { approvalFields, auditEvent } from './audit-events.js';

export type EvidenceDeps = Pick<
  ServiceDeps,
  'store' | 'clock' | 'ids' | 'auditKeys' | 'attestationSigner' | 'bus'
> & {
  audit: Pick<AuditService, 'checkpoint' | 'proveInclusion'>;
  /** Witness cosignatures: bundles carry them and wait for `minCosignatures`. */
  witnesses?: Pick<WitnessService, 'cosigned' | 'witness' | 'minCosignatures'>;
};

/** The most events one bundle carries (the offline verifier refuses more). */
const MAX_BUNDLE_EVENTS = 10_000;
const MAX_ATTACHED = 64;
/** The event-bus name of an attached decision (streams see it as an SSE event of that name). */
const ATTACHED_EVENT = 'decision_attached';
const PAGE = 1000;
/** How long after a decision's `evaluatedAt` its audit event may be stamped (same transaction). */
const DECISION_EVENT_WINDOW_MS = 60_000;
const CONCURRENT_ATTEMPTS = 5;
const WITHHELD =
  'the credential is live; only the requester or an admin receive its token (as from GET /v1/approvals/{id}/credential)';

export function createEvidenceService(deps: EvidenceDeps) {
  async function approvalOf(id: string): Promise<ApprovalRequest> {
    const approval = await deps.store.getApproval(id);
    if (!approval) throw new ConflictError('not_found', `approval ${id} not found`);
    return approval;
  }

  async function collect(
    into: Map<number, StoredAuditEvent>,
    filter: Parameters<typeof deps.store.listAuditEvents>[0],
    keep: (e: StoredAuditEvent) => boolean,
  ) {
    let cursor: string | undefined;
    do {
      const page = await deps.store.listAuditEvents(filter, {
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
      });
      for (const e of page.items) if (keep(e)) into.set(e.index, e);
      if (into.size > MAX_BUNDLE_EVENTS) {
        throw new InputError(
          'payload_too_large',
          `approval has more than ${MAX_BUNDLE_EVENTS} audit events`,
        );
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /**
   * The approval's events, plus the `decision.evaluated` events of its decisions, in log order.
   * Events committed but not yet in the tree are integrated first (or `audit_not_integrated`).
   */
  async function eventsOf(
    a: ApprovalRequest,
    decisions: readonly Decision[],
  ): Promise<StoredAuditEvent[]> {
    await deps.store.integrateAudit();
    const found = new Map<number, StoredAuditEvent>();
    await collect(found, { approvalId: a.id }, () => true);
    for (const d of decisions) {
      const from = Date.parse(d.evaluatedAt);
      if (!Number.isFinite(from)) continue;
      // decisions opened straight from an action have no event of their own: nothing is found
      await collect(
        found,
        {
          type: 'decision.evaluated',
          environment: d.environment,
          since: d.evaluatedAt,
          until: isoAt(from + DECISION_EVENT_WINDOW_MS),
        },
        (e) => e.event.decisionId === d.decisionId,
      );
    }
    return [...found.values()].sort((x, y) => x.index - y.index);
  }

  /** The latest checkpoint if it covers `lastIndex`, else a new one (the log grew since). */
  async function coveringCheckpoint(lastIndex: number): Promise<EvidenceCheckpoint> {
    if (!deps.auditKeys)
      throw new ServiceError('audit_unavailable', 'no checkpoint key is configured');
    let cp = await deps.store.latestCheckpoint();
    if (!cp || cp.size <= lastIndex) cp = await deps.audit.checkpoint();
    if (!cp || cp.size <= lastIndex) {
      throw new ServiceError(
        'audit_unavailable',
        'no signed checkpoint covers the events of this approval',
      );
    }
    const cosigned = await witnessedCheckpoint(cp, lastIndex);
    return {
      origin: deps.auditKeys.origin,
      size: cosigned.cp.size,
      rootHash: cosigned.cp.rootHash,
      note: cosigned.note,
    };
  }

  /**
   * The checkpoint with its witness cosignatures. When it has fewer than the policy needs it is
   * submitted to the witnesses now; failing that, the newest older checkpoint that still covers
   * the events and has enough is used; failing that, no bundle (503: not yet witnessed).
   */
  async function witnessedCheckpoint(
    cp: StoredCheckpoint,
    lastIndex: number,
  ): Promise<{ cp: StoredCheckpoint; note: string }> {
    const w = deps.witnesses;
    if (!w) return { cp, note: cp.note };
    const need = w.minCosignatures;
    let c = await w.cosigned(cp);
    if (c.cosignatures < need) {
      await w.witness(cp);
      c = await w.cosigned(cp);
    }
    if (c.cosignatures >= need) return { cp, note: c.note };
    const older = (await deps.store.listCheckpoints())
      .filter((o) => o.size > lastIndex && o.size < cp.size)
      .reverse();
    for (const o of older) {
      const oc = await w.cosigned(o);
      if (oc.cosignatures >= need) return { cp: o, note: oc.note };
    }
    throw new ServiceError(
      'audit_unavailable',
      `no checkpoint covering these events has the ${need} witness cosignatures evidence needs yet`,
    );
  }

  async function attachedDecisionsOf(a: ApprovalRequest): Promise<Decision[]> {
    const out: Decision[] = [];
    for (const id of a.attachedDecisions ?? []) {
      const d = await deps.store.getDecision(id);
      if (!d) throw new ServiceError('internal', `attached decision ${id} is missing`);
      out.push(d.decision);
    }
    return out;
  }

  async function credentialOf(id: string) {
    const c = await deps.store.getCredential(id);
    return c
      ? { token: c.token, kid: c.kid, jti: c.jti, issuedAt: c.issuedAt, expiresAt: c.expiresAt }
      : null;
  }

  /** Live: it would still pass the gate's approval checks (approved, unexpired, not consumed). */
  async function isLive(a: ApprovalRequest, c: { jti: string; expiresAt: string }) {
    const nowMs = deps.clock.now();
    if (effectiveState(a, nowMs) !== 'approved' || nowMs >= Date.parse(c.expiresAt)) return false;
    return !(a.decision.singleUse && (await deps.store.isCredentialConsumed(c.jti)));
  }

  /**
   * The bundle's credential as `p` may see it: a live token only for those who may fetch the
   * credential (the requester and admins, as `GET /v1/approvals/{id}/credential`); anyone else
   * gets its claims and digest, so a reader cannot present someone else's credential.
   */
  async function bundleCredential(
    p: Principal,
    a: ApprovalRequest,
  ): Promise<EvidenceCredential | null> {
    const c = await credentialOf(a.id);
    if (!c) return null;
    const tokenDigest = `sha256:${sha256Hex(c.token)}`;
    const { token, ...rest } = c;
    if (isRequester(p, a) || isAdmin(p) || !(await isLive(a, c))) {
      return { token, tokenDigest, ...rest };
    }
    return { ...rest, tokenDigest, claims: { ...decodeJwt(token) }, withheld: WITHHELD };
  }

  async function bundle(p: Principal, approvalId: string): Promise<EvidenceBundle> {
    assertScope(p, 'audit:read');
    const approval = await approvalOf(approvalId);
    const attached = await attachedDecisionsOf(approval);
    const stored = await eventsOf(approval, [approval.decision, ...attached]);
    const checkpoint = await coveringCheckpoint(stored[stored.length - 1]?.index ?? 0);
    const events: EvidenceEvent[] = [];
    for (const s of stored) {
      const proof = await deps.audit.proveInclusion(p, s.index, checkpoint.size);
      if (proof.rootHash !== checkpoint.rootHash || proof.leafHash === null) {
        throw new ServiceError('internal', 'the stored tree disagrees with its checkpoint');
      }
      events.push({ index: s.index, event: s.event, leafHash: proof.leafHash, proof: proof.proof });
    }
    return {
      schema: EVIDENCE_SCHEMA,
      generatedAt: isoAt(deps.clock.now()),
      approval: evidenceApproval(approval),
      decision: approval.decision,
      attachedDecisions: attached,
      credential: await bundleCredential(p, approval),
      events,
      checkpoint,
    };
  }

  async function statement(p: Principal, approvalId: string): Promise<ApprovalStatement> {
    assertScope(p, 'audit:read');
    const approval = await approvalOf(approvalId);
    const attached = await attachedDecisionsOf(approval);
    const stored = await eventsOf(approval, [approval.decision, ...attached]);
    const cp = await coveringCheckpoint(stored[stored.length - 1]?.index ?? 0);
    const c = await credentialOf(approvalId);
    return approvalStatement({
      approval,
      credential: c
        ? { jti: c.jti, kid: c.kid, issuedAt: c.issuedAt, expiresAt: c.expiresAt }
        : null,
      checkpoint: { origin: cp.origin, size: cp.size, rootHash: cp.rootHash },
      generatedAt: isoAt(deps.clock.now()),
    });
  }

  /** The approval as an in-toto Statement in a DSSE envelope signed by the credential key. */
  async function attestation(p: Principal, approvalId: string): Promise<DsseEnvelope> {
    const s = await statement(p, approvalId);
    if (!deps.attestationSigner) {
      throw new CredentialError('keyset_unavailable', 'no credential key signs attestations');
    }
    return signStatement(s, deps.attestationSigner);
  }

  /**
   * Attaches a stored decision to a request when both are about the same action (same action
   * hash), through the request's conditional update. Only the requester or an admin may attach
   * (403 forbidden otherwise). Attaching one twice changes nothing. The change is published on
   * the event bus after COMMIT (and announced to other replicas where the store can).
   */
  async function attachDecision(
    p: Principal,
    approvalId: string,
    decisionId: string,
  ): Promise<ApprovalRequest> {
    assertScope(p, 'approvals:request');
    const stored = await deps.store.getDecision(decisionId);
    for (let attempt = 0; attempt < CONCURRENT_ATTEMPTS; attempt++) {
      const outcome = await deps.store.transaction(async (tx) => {
        const current = await tx.getApproval(approvalId);
        if (!current) throw new ConflictError('not_found', `approval ${approvalId} not found`);
        if (!isRequester(p, current) && !isAdmin(p)) {
          throw new PolicyError(
            'forbidden',
            'only the requester or an admin may attach a decision to this request',
          );
        }
        if (!stored) throw new ConflictError('not_found', `decision ${decisionId} not found`);
        if (stored.decision.actionHash !== current.actionHash) {
          throw new ConflictError(
            'decision_mismatch',
            `decision ${decisionId} is for another action than approval ${approvalId}`,
            {
              details: {
                approvalActionHash: current.actionHash,
                decisionActionHash: stored.decision.actionHash,
              },
            },
          );
        }
        const attached = current.attachedDecisions ?? [];
        if (current.decision.decisionId === decisionId || attached.includes(decisionId))
          return { approval: current, changed: false };
        if (attached.length >= MAX_ATTACHED) {
          throw new InputError('validation_failed', 'too many attached decisions', [
            { path: '/decisionId', message: `at most ${MAX_ATTACHED} decisions may be attached` },
          ]);
        }
        const next: ApprovalRequest = { ...current, attachedDecisions: [...attached, decisionId] };
        if (!(await tx.updateApproval(next, current.version))) return undefined;
        await tx.appendAudit(
          auditEvent(deps, 'approval.decision_attached', p, {
            ...approvalFields(next),
            outcome: 'attached',
            details: { attachedDecisionId: decisionId },
          }),
        );
        const committed = { ...next, version: current.version + 1 };
        if (tx.notifyApprovalChanged) await tx.notifyApprovalChanged(committed, ATTACHED_EVENT);
        return { approval: committed, changed: true };
      });
      if (outcome) {
        if (outcome.changed) {
          deps.bus.publishApproval({ approval: outcome.approval, event: ATTACHED_EVENT });
        }
        return outcome.approval;
      }
    }
    throw new ConflictError(
      'approval_not_pending',
      `approval ${approvalId} is changing; try again`,
    );
  }

  return { bundle, statement, attestation, attachDecision };
}

export type EvidenceService = ReturnType<typeof createEvidenceService>;
