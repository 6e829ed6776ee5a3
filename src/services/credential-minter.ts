/**
 * The CredentialMinter port over the key ring: an approved request's claims (who asked, who
 * approved, what it covers, under which policy) signed with the newest active credential key.
 */
import type { KeyRing } from '../credentials/index.js';
import { issueCredential } from '../credentials/issue.js';
import type { ApprovalRequest } from '../domain/approval.js';
import { isoAt, type Clock } from '../lib/clock.js';
import type { IdGenerator } from '../lib/ids.js';
import type { CredentialMinter } from './ports.js';

/** Signs the credential of an approved request with the newest active credential key. */
export function createMinter(
  keyRing: KeyRing,
  signing: { issuer: string; maxCredentialTtlMs: number },
  clock: Clock,
  ids: IdGenerator,
): CredentialMinter {
  return {
    async mint(req: ApprovalRequest) {
      const d = req.decision;
      let ttlMs = d.credentialTtlSec * 1000;
      // a break-glass credential never outlives the break-glass window
      if (req.breakGlass) ttlMs = Math.min(ttlMs, Date.parse(req.expiresAt) - clock.now());
      const issued = await issueCredential(
        {
          approvalId: req.id,
          project: req.action.project,
          environment: req.action.environment,
          posture: d.posture ?? 'prod',
          action: {
            kind: req.action.kind,
            mode: req.action.mode,
            target: req.action.target ?? null,
            repository: req.action.repository ?? null,
            sourceEnvironment: req.action.sourceEnvironment ?? null,
            pipelineVersion: req.action.pipelineVersion ?? null,
          },
          specHash: req.action.specHash,
          configHash: req.action.configHash ?? null,
          capabilities: d.requiredCapabilities,
          riskTags: d.riskTags,
          constraints: d.constraints,
          rule: d.matchedRule,
          quorum: d.quorum,
          policySnapshot: d.policySnapshot,
          requestedBy: req.requestedBy.id,
          approvers: req.reviews
            .filter((r) => r.verdict === 'approve')
            .map((r) => ({ sub: r.reviewer.id, groups: r.groups })),
          breakGlass: req.breakGlass !== null,
          singleUse: d.singleUse,
        },
        {
          keyRing,
          clock,
          issuer: signing.issuer,
          ttlMs,
          maxTtlMs: signing.maxCredentialTtlMs,
          ids,
        },
      );
      return {
        token: issued.token,
        jti: issued.claims.jti,
        kid: issued.kid,
        issuedAt: isoAt(issued.claims.iat * 1000),
        expiresAt: isoAt(issued.claims.exp * 1000),
      };
    },
  };
}
