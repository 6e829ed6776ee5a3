/**
 * The API's wire types, from the one source the typed client uses (src/client/types.ts, derived
 * from the server's HTTP schemas; type-only), plus the one shape only the console reads.
 */
export type {
  Approval,
  ApprovalList,
  AuditEvent,
  AuditItem,
  AuditPage,
  BreakGlassOptions,
  Checkpoint,
  InclusionProof,
  PrincipalRef,
  RegisteredVersion,
} from '../../src/client/types.js';

/** A JWKS key (GET /.well-known/jwks.json), as the in-browser verifier reads it. */
export interface Jwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  'countersign:purpose'?: string;
}
