/**
 * Importing approval records from another system (CAVRA). Each record becomes a request in its
 * own transaction with an `approval.imported` audit event saying where it came from. Decided
 * records keep their outcome and get no credential; pending ones stay reviewable here. The
 * request id is derived from the source id, so importing the same store twice adds nothing.
 */
import type { ApprovalRequest } from '../domain/approval.js';
import type { Principal } from '../domain/principal.js';
import { isCountersignError, InputError } from '../errors/index.js';
import {
  cavraActionInput,
  cavraRequestParts,
  importedApprovalId,
  parseCavraApproval,
  type CavraApproval,
} from '../import/cavra/approval-record.js';
import { isoAt } from '../lib/clock.js';
import { assertScope } from './access.js';
import { approvalFields, auditEvent } from './audit-events.js';
import type { ServiceDeps } from './ports.js';
import type { EvaluateService } from './evaluate-service.js';

export type ImportDeps = Pick<ServiceDeps, 'store' | 'clock' | 'ids' | 'policy'> & {
  evaluator: Pick<EvaluateService, 'decide'>;
};

export interface CavraImportOptions {
  /** Countersign environment for the imported actions (CAVRA has none). */
  environment: string;
  /** Project for actions whose decision names no repository. */
  project: string;
  /** Where the records came from: recorded in every audit event. */
  source: { store: 'json' | 'sqlite'; file: string };
  /** Validate and check for earlier imports, write nothing. */
  dryRun?: boolean;
}

export interface ImportOutcome {
  /** `items[3]` (JSON store) or `row 3` (SQLite). */
  at: string;
  cavraId: string | null;
  id: string | null;
  result: 'imported' | 'would_import' | 'already_imported' | 'rejected';
  state?: string;
  errors?: string[];
}

function messages(err: unknown): string[] {
  if (err instanceof InputError && err.errors.length > 0) {
    return err.errors.map((e) => `${e.path}: ${e.message}`);
  }
  return [isCountersignError(err) || err instanceof Error ? err.message : String(err)];
}

export function createImportService(deps: ImportDeps) {
  /** The request a valid record stands for (not yet stored). */
  function build(r: CavraApproval, opts: CavraImportOptions): ApprovalRequest {
    const action = deps.policy.normalizeAction(cavraActionInput(r, opts));
    const decision = deps.evaluator.decide(action);
    const parts = cavraRequestParts(r);
    // CAVRA put no upper bound on expiry; a pending request here lives at most maxRequestTtl
    const latest = deps.clock.now() + deps.policy.maxRequestTtlMs();
    const expiresAt =
      parts.state === 'pending' && Date.parse(r.expiresAt) > latest ? isoAt(latest) : r.expiresAt;
    return {
      id: importedApprovalId(r.approvalId),
      version: 1,
      action,
      actionHash: decision.actionHash,
      decision,
      approverGroups: [r.approverGroup],
      quorum: { min: 1, groups: [r.approverGroup], mode: 'any' },
      expiresAt,
      note: `imported from CAVRA approval ${r.approvalId} (decision ${r.decisionId})`,
      callbackUrl: null,
      ...parts,
    };
  }

  function details(r: CavraApproval, opts: CavraImportOptions) {
    return {
      source: {
        system: 'cavra',
        schema: 'cavra.approval.v1',
        store: opts.source.store,
        file: opts.source.file,
        approvalId: r.approvalId,
        decisionId: r.decisionId,
        sessionId: r.sessionId,
        correlationId: r.correlationId,
        state: r.state,
        policyPack: r.decision.policyPack,
        ruleId: r.decision.ruleId,
        decision: r.decision.verdict,
        severity: r.decision.severity,
        evidenceRefs: r.evidenceRefs,
      },
      // CAVRA never verified these names
      unverifiedRequestedBy: r.requestedBy,
      unverifiedDecidedBy: r.decidedBy,
      externalRef: r.externalRef,
      breakGlass: r.state === 'break_glass',
      credentialIssued: false,
    };
  }

  async function importOne(
    principal: Principal,
    raw: unknown,
    at: string,
    opts: CavraImportOptions,
  ): Promise<ImportOutcome> {
    const parsed = parseCavraApproval(raw);
    const rawId =
      typeof raw === 'object' &&
      raw !== null &&
      typeof (raw as { approval_id?: unknown }).approval_id === 'string'
        ? (raw as { approval_id: string }).approval_id
        : null;
    if (!parsed.ok)
      return { at, cavraId: rawId, id: null, result: 'rejected', errors: parsed.errors };
    const r = parsed.record;
    const id = importedApprovalId(r.approvalId);
    const known = await deps.store.getApproval(id);
    if (known)
      return { at, cavraId: r.approvalId, id, result: 'already_imported', state: known.state };
    let req: ApprovalRequest;
    try {
      req = build(r, opts);
    } catch (err) {
      return { at, cavraId: r.approvalId, id: null, result: 'rejected', errors: messages(err) };
    }
    if (req.state === 'pending' && req.decision.outcome !== 'require_approval') {
      // a pending request must be one this policy asks approval for, or approving it means nothing
      const why = `this policy decides ${req.decision.outcome} for it (${req.decision.reason}); a pending request needs require_approval: check --environment`;
      return { at, cavraId: r.approvalId, id: null, result: 'rejected', errors: [why] };
    }
    if (opts.dryRun)
      return { at, cavraId: r.approvalId, id, result: 'would_import', state: req.state };
    try {
      return await deps.store.transaction(async (tx): Promise<ImportOutcome> => {
        const again = await tx.getApproval(id);
        if (again)
          return { at, cavraId: r.approvalId, id, result: 'already_imported', state: again.state };
        if (req.state === 'pending') {
          const pending = await tx.findPendingByActionHash(req.actionHash);
          if (pending) {
            return {
              at,
              cavraId: r.approvalId,
              id: null,
              result: 'rejected',
              errors: [
                `a pending request for the same action exists (${pending.id}); one per action`,
              ],
            };
          }
        }
        await tx.insertDecision(req.decision, req.action);
        await tx.insertApproval(req);
        await tx.appendAudit(
          auditEvent(deps, 'approval.imported', principal, {
            ...approvalFields(req),
            approvalRequired: req.decision.outcome === 'require_approval',
            outcome: req.state,
            reasonCode: req.decision.reasonCode,
            details: details(r, opts),
          }),
        );
        return { at, cavraId: r.approvalId, id, result: 'imported', state: req.state };
      });
    } catch (err) {
      return { at, cavraId: r.approvalId, id: null, result: 'rejected', errors: messages(err) };
    }
  }

  /** Imports records one by one (each alone), in the order given. Admin only. */
  async function importCavra(
    principal: Principal,
    records: readonly { at: string; raw: unknown }[],
    opts: CavraImportOptions,
  ): Promise<ImportOutcome[]> {
    assertScope(principal, 'admin');
    const out: ImportOutcome[] = [];
    for (const { at, raw } of records) out.push(await importOne(principal, raw, at, opts));
    return out;
  }

  return { importCavra };
}

export type ImportService = ReturnType<typeof createImportService>;
