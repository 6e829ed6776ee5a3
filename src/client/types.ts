/**
 * Wire types of the Countersign API (JSON, camelCase), derived from the HTTP schemas the server
 * validates and serializes with (src/http/schemas/): one source, so the client, the console and
 * the CLI cannot drift from the server. Type-only imports: nothing here exists at run time.
 */
import type { Static } from '@sinclair/typebox';
import type { AuditEvent } from '../domain/audit-event.js';
import type * as A from '../http/schemas/approval.js';
import type * as P from '../http/schemas/proofs.js';
import type * as R from '../http/schemas/resources.js';

export type { AuditEvent } from '../domain/audit-event.js';

export type ActionMode = Static<typeof A.Mode>;

/** An action as sent: `spec` or `specHash` (or both) identify exactly what will run. */
export type ActionInput = Static<typeof A.ActionInput>;

/** An action as the server normalized it (mode, spec hash and lists filled in). */
export type Action = Static<typeof A.Action>;

export type Quorum = Static<typeof A.Quorum>;

export type Decision = Static<typeof A.Decision>;

export type ApprovalState = Static<typeof A.ApprovalState>;

export type PrincipalRef = Static<typeof A.PrincipalRef>;

/**
 * A request as the caller sees it: decision, reviews, history (`actorName` resolved by the
 * server), quorum progress, what the caller may do now (`canReview`, `reviewVerdicts`,
 * `canCancel`, `canRevoke`), and on single reads its external `records` and `registeredVersion`.
 * `callbackUrl` is in full for the requester and admins; others get scheme and host only.
 */
export type Approval = Omit<Static<typeof A.Approval>, 'action' | 'decision'> & {
  action: Action;
  decision: Decision;
};

export interface ApprovalList {
  items: Approval[];
  nextCursor: string | null;
}

/** A registered pipeline version of a project. */
export type PipelineVersion = Static<typeof R.PipelineVersion>;

/** A pipeline version as reviewers see it on a request. */
export type RegisteredVersion = NonNullable<Approval['registeredVersion']>;

export interface AuditItem {
  index: number;
  event: AuditEvent;
}

export interface AuditPage {
  items: AuditItem[];
  nextCursor: string | null;
}

export interface AuditQuery {
  approval?: string;
  actor?: string;
  environment?: string;
  project?: string;
  type?: string;
  since?: string;
  until?: string;
  /** Case-insensitive text anywhere in the event. */
  q?: string;
  /** `desc`: newest first. */
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
}

/** The latest signed checkpoint as JSON (`GET /v1/audit/checkpoint`, Accept: application/json). */
export type Checkpoint = Static<typeof R.Checkpoint>;

export type InclusionProof = Static<typeof P.InclusionProof>;

/** `GET /v1/policy/break-glass-options`: the choices the break-glass form offers. */
export type BreakGlassOptions = Static<typeof R.BreakGlassOptions>;

export type CreateApprovalInput = Omit<Static<typeof A.CreateApprovalBody>, 'action'> & {
  action?: ActionInput;
};

export type BreakGlassInput = Omit<Static<typeof A.BreakGlassBody>, 'action'> & {
  action: ActionInput;
};

/** The query of `listApprovals`; the client sends numbers and booleans as query text. */
export interface ListApprovalsQuery {
  state?: ApprovalState;
  group?: string;
  environment?: string;
  project?: string;
  requestedBy?: string;
  /** Only requests for this action hash (`sha256:…`). */
  actionHash?: string;
  /** With `actionHash`: only approvals whose credential would pass the gate for it now. */
  usable?: boolean;
  q?: string;
  limit?: number;
  cursor?: string;
}

export type CredentialResponse = Static<typeof R.Credential>;

export type ApiKeyView = Static<typeof R.ApiKeyView>;

/** Redacted evidence of one notification delivery (no secret, token or full webhook URL). */
export type DeliveryEvidence = Static<typeof R.Delivery>;
