/** The evidence bundle format (docs/evidence.md) and the answer of its verification. */
import type { ApprovalRequest } from '../domain/approval.js';
import type { AuditEvent } from '../domain/audit-event.js';
import type { Decision } from '../domain/decision.js';

export const EVIDENCE_SCHEMA = 'countersign.evidence/v1';

/** One audit event of the approval with its RFC 9162 inclusion proof in the bundle's checkpoint. */
export interface EvidenceEvent {
  index: number;
  /** Exactly the object whose JCS bytes are hashed into leaf `index`. */
  event: AuditEvent;
  /** Hex SHA-256(0x00 ‖ JCS(event)). */
  leafHash: string;
  /** Hex sibling hashes, leaf to root. */
  proof: string[];
}

/**
 * The issued credential. The token is what was approved, but while the credential is live (the
 * approval approved, not expired, a single-use credential not consumed) only those who may fetch
 * it (the requester and admins) receive it: anyone else gets `claims`, `tokenDigest` and
 * `withheld` instead, and verification reports the signature check as skipped.
 */
export interface EvidenceCredential {
  /** The compact JWS; absent when withheld. */
  token?: string;
  /** `sha256:` + hex SHA-256 of the token's ASCII bytes (absent in bundles made before it). */
  tokenDigest?: string;
  /** The token's payload, unverified: present when the token is withheld. */
  claims?: Record<string, unknown>;
  /** Why the token is not in the bundle: present exactly when it is withheld. */
  withheld?: string;
  kid: string;
  jti: string;
  issuedAt: string;
  expiresAt: string;
}

/** A signed checkpoint (C2SP signed note) whose tree holds every event of the bundle. */
export interface EvidenceCheckpoint {
  origin: string;
  size: number;
  rootHash: string;
  note: string;
}

/** The request as stored, without its callback URL (which may carry a secret). */
export type EvidenceApproval = Omit<ApprovalRequest, 'callbackUrl'>;

/** The request as a bundle shows it. */
export function evidenceApproval(req: ApprovalRequest): EvidenceApproval {
  const out: Partial<ApprovalRequest> = { ...req };
  delete out.callbackUrl;
  return out as EvidenceApproval;
}

export interface EvidenceBundle {
  schema: typeof EVIDENCE_SCHEMA;
  generatedAt: string;
  /** The request with its reviews and history. */
  approval: EvidenceApproval;
  /** The policy decision the request was opened from. */
  decision: Decision;
  /** Decisions attached to the request (same action hash), in attach order. */
  attachedDecisions: Decision[];
  credential: EvidenceCredential | null;
  /** Index order. */
  events: EvidenceEvent[];
  checkpoint: EvidenceCheckpoint;
}

/** Stable codes of what is wrong with a bundle. */
export type EvidenceProblemCode =
  | 'malformed'
  | 'keyset_unavailable'
  | 'checkpoint_key_unknown'
  | 'checkpoint_signature'
  | 'checkpoint_origin'
  | 'checkpoint_mismatch'
  | 'checkpoint_unwitnessed'
  | 'pin_inconsistent'
  | 'inclusion_failed'
  | 'event_mismatch'
  | 'approval_mismatch'
  | 'decision_mismatch'
  | 'state_mismatch'
  | 'credential_invalid'
  | 'credential_mismatch';

export interface EvidenceProblem {
  code: EvidenceProblemCode;
  message: string;
}

/** The fixed order of checks; a check whose inputs are untrusted is skipped, not passed. */
export type EvidenceCheckName =
  | 'structure'
  | 'checkpoint'
  | 'inclusion'
  | 'membership'
  | 'approval'
  | 'state'
  | 'credential'
  /** Added by `evidence verify` with a pinned checkpoint (never by verifyEvidence alone). */
  | 'pinned';

export interface EvidenceCheck {
  name: EvidenceCheckName;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
}

export interface EvidenceSummary {
  approvalId: string;
  state: string;
  environment: string;
  project: string;
  kind: string;
  specHash: string;
  breakGlass: boolean;
  events: number;
  attachedDecisions: string[];
  checkpoint: { origin: string; size: number; rootHash: string };
  /** Information, not a failure: an old bundle's credential has expired by now. */
  credential: {
    jti: string;
    kid: string;
    issuedAt: string;
    expiresAt: string;
    expired: boolean;
    /** The bundle holds the claims, not the token: the signature was not checked. */
    withheld: boolean;
  } | null;
}

export type VerifyEvidenceResult =
  | { ok: true; summary: EvidenceSummary; checks: EvidenceCheck[] }
  | { ok: false; problems: EvidenceProblem[]; checks: EvidenceCheck[] };
