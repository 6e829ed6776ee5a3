/**
 * The API's wire types, from the one source the typed client uses (src/client/types.ts, which has
 * no runtime imports), plus the few shapes only the console reads.
 */
import type { Approval as WireApproval } from '../../src/client/types.js';

export type {
  AuditEvent,
  AuditItem,
  AuditPage,
  BreakGlassOptions,
  Checkpoint,
  InclusionProof,
  PrincipalRef,
} from '../../src/client/types.js';

/** Whether the spec hash is a registered pipeline version (shown when the server sends it). */
export interface RegisteredVersion {
  version: string;
  registeredAt: string;
  registeredBy: string;
}

export type Approval = WireApproval & { registeredVersion?: RegisteredVersion | null };

export interface ApprovalList {
  items: Approval[];
  nextCursor: string | null;
}

/** A JWKS key (GET /.well-known/jwks.json), as the in-browser verifier reads it. */
export interface Jwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  'countersign:purpose'?: string;
}
