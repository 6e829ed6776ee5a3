/**
 * An approval as an in-toto Statement v1 (github.com/in-toto/attestation, spec/v1/statement.md)
 * in a DSSE envelope signed by the active credential key. The subject is the thing that was
 * approved to run, named `<project>/<kind>/<target or spec hash>`, with the spec hash as its
 * sha256 digest; the predicate (our own type, docs/evidence.md) says who approved it, under which
 * policy, and which signed checkpoint of the audit log covers the record.
 */
import { Buffer } from 'node:buffer';
import type { JSONWebKeySet } from 'jose';
import type { ApprovalRequest } from '../domain/approval.js';
import {
  signEnvelope,
  verifyEnvelope,
  type DsseEnvelope,
  type DsseFailureCode,
  type DsseSigner,
} from './dsse.js';

export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** Our predicate type (docs/evidence.md §Attestation). */
export const APPROVAL_PREDICATE_TYPE = 'urn:countersign:attestation:approval:v1';

export interface ApprovalPredicate {
  approvalId: string;
  state: ApprovalRequest['state'];
  environment: string;
  project: string;
  kind: string;
  mode: string;
  target: string | null;
  specHash: string;
  actionHash: string;
  decisionId: string;
  capabilities: string[];
  requestedBy: { id: string; name: string };
  approvers: { id: string; name: string; groups: string[]; at: string }[];
  breakGlass: { reason: string; approverGroup: string; externalRef: string | null } | null;
  policySnapshot: string;
  decidedAt: string | null;
  attachedDecisions: string[];
  credential: { jti: string; kid: string; issuedAt: string; expiresAt: string } | null;
  checkpoint: { origin: string; size: number; rootHash: string };
  generatedAt: string;
}

export interface ApprovalStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: typeof APPROVAL_PREDICATE_TYPE;
  predicate: ApprovalPredicate;
}

export interface StatementInput {
  approval: ApprovalRequest;
  credential: ApprovalPredicate['credential'];
  checkpoint: ApprovalPredicate['checkpoint'];
  generatedAt: string;
}

const SPEC_HASH_RE = /^sha256:([0-9a-f]{64})$/;

/** The in-toto Statement of an approval. */
export function approvalStatement(input: StatementInput): ApprovalStatement {
  const { approval: a, credential, checkpoint, generatedAt } = input;
  const digest = SPEC_HASH_RE.exec(a.action.specHash)?.[1];
  if (digest === undefined) throw new TypeError('the approval has no sha256 spec hash');
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [
      {
        name: `${a.action.project}/${a.action.kind}/${a.action.target ?? a.action.specHash}`,
        digest: { sha256: digest },
      },
    ],
    predicateType: APPROVAL_PREDICATE_TYPE,
    predicate: {
      approvalId: a.id,
      state: a.state,
      environment: a.action.environment,
      project: a.action.project,
      kind: a.action.kind,
      mode: a.action.mode,
      target: a.action.target ?? null,
      specHash: a.action.specHash,
      actionHash: a.actionHash,
      decisionId: a.decision.decisionId,
      capabilities: [...a.decision.requiredCapabilities],
      requestedBy: { id: a.requestedBy.id, name: a.requestedBy.name },
      approvers: a.reviews
        .filter((r) => r.verdict === 'approve')
        .map((r) => ({
          id: r.reviewer.id,
          name: r.reviewer.name,
          groups: [...r.groups],
          at: r.at,
        })),
      breakGlass: a.breakGlass ? { ...a.breakGlass } : null,
      policySnapshot: a.decision.policySnapshot,
      decidedAt: a.decidedAt,
      attachedDecisions: [...(a.attachedDecisions ?? [])],
      credential,
      checkpoint,
      generatedAt,
    },
  };
}

/** The statement as a DSSE envelope signed over PAE by the credential key `signer` names. */
export function signStatement(statement: ApprovalStatement, signer: DsseSigner): DsseEnvelope {
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), signer);
}

export type AttestationFailureCode = DsseFailureCode | 'statement_malformed';

export type VerifyAttestationResult =
  | { ok: true; statement: ApprovalStatement; keyid: string }
  | { ok: false; code: AttestationFailureCode; message: string };

/**
 * Verifies an attestation envelope against the credential keys of a JWKS: the DSSE signature
 * first, then the payload type, then the statement's type, predicate type and subject. Nothing in
 * the payload is trusted before the signature holds.
 */
export function verifyAttestation(
  envelope: unknown,
  jwks: JSONWebKeySet | undefined,
): VerifyAttestationResult {
  const v = verifyEnvelope(envelope, jwks);
  if (!v.ok) return v;
  const bad = (message: string): VerifyAttestationResult => ({
    ok: false,
    code: 'statement_malformed',
    message,
  });
  if (v.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return bad(`payloadType is not ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  let statement: unknown;
  try {
    statement = JSON.parse(Buffer.from(v.payload).toString('utf8'));
  } catch {
    return bad('payload is not JSON');
  }
  if (typeof statement !== 'object' || statement === null) return bad('payload is not an object');
  const s = statement as Record<string, unknown>;
  if (s._type !== IN_TOTO_STATEMENT_TYPE) return bad(`_type is not ${IN_TOTO_STATEMENT_TYPE}`);
  if (s.predicateType !== APPROVAL_PREDICATE_TYPE) {
    return bad(`predicateType is not ${APPROVAL_PREDICATE_TYPE}`);
  }
  const subject = Array.isArray(s.subject) ? (s.subject as unknown[]) : [];
  const first = subject[0] as { name?: unknown; digest?: { sha256?: unknown } } | undefined;
  if (
    subject.length !== 1 ||
    typeof first?.name !== 'string' ||
    typeof first.digest?.sha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(first.digest.sha256)
  ) {
    return bad('subject must be one {name, digest: {sha256}}');
  }
  if (typeof s.predicate !== 'object' || s.predicate === null) return bad('predicate is missing');
  return { ok: true, statement: statement as ApprovalStatement, keyid: v.keyid };
}
