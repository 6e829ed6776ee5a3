/**
 * Evidence routes (docs/evidence.md): the offline-verifiable evidence bundle of an approval, its in-toto
 * attestation in a DSSE envelope, and attaching a decision of the same action to a request.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/index.js';
import { principalOf } from '../principal.js';
import { Id, IdParams, Nullable, problemResponses } from '../schemas/common.js';

const ApprovalIdParams = Type.Object({ approvalId: Id }, { additionalProperties: false });
/** Objects passed through exactly as stored: their JCS bytes are what the log hashes. */
const AsStored = Type.Record(Type.String(), Type.Unknown());
const Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });

const EvidenceBundle = Type.Object({
  schema: Type.Literal('countersign.evidence/v1'),
  generatedAt: Type.String(),
  approval: AsStored,
  decision: AsStored,
  attachedDecisions: Type.Array(AsStored),
  credential: Nullable(
    Type.Object({
      token: Type.Optional(Type.String()),
      tokenDigest: Type.Optional(Type.String()),
      claims: Type.Optional(AsStored),
      withheld: Type.Optional(Type.String()),
      kid: Type.String(),
      jti: Type.String(),
      issuedAt: Type.String(),
      expiresAt: Type.String(),
    }),
  ),
  events: Type.Array(
    Type.Object({
      index: Type.Integer(),
      event: AsStored,
      leafHash: Hex,
      proof: Type.Array(Hex),
    }),
  ),
  checkpoint: Type.Object({
    origin: Type.String(),
    size: Type.Integer(),
    rootHash: Hex,
    note: Type.String(),
  }),
});

const DsseEnvelope = Type.Object({
  payloadType: Type.String(),
  payload: Type.String(),
  signatures: Type.Array(Type.Object({ keyid: Type.String(), sig: Type.String() })),
});

const AttachDecisionBody = Type.Object({ decisionId: Id }, { additionalProperties: false });

export const evidenceRoutes: FastifyPluginAsync<{ services: Services }> = async (
  app,
  { services: s },
) => {
  app.get<{ Params: Static<typeof ApprovalIdParams> }>(
    '/evidence/:approvalId',
    {
      config: { scopes: ['audit:read'] },
      schema: {
        operationId: 'getEvidence',
        tags: ['audit'],
        summary:
          'Evidence bundle: request, decisions, credential, audit events with inclusion proofs and a signed checkpoint',
        params: ApprovalIdParams,
        response: { 200: EvidenceBundle, ...problemResponses },
      },
    },
    async (req) => s.evidence.bundle(principalOf(req), req.params.approvalId),
  );

  app.get<{ Params: Static<typeof ApprovalIdParams> }>(
    '/evidence/:approvalId/attestation',
    {
      config: { scopes: ['audit:read'] },
      schema: {
        operationId: 'getAttestation',
        tags: ['audit'],
        summary:
          'The approval as an in-toto Statement in a DSSE envelope signed by the credential key',
        params: ApprovalIdParams,
        response: { 200: DsseEnvelope, ...problemResponses },
      },
    },
    async (req) => s.evidence.attestation(principalOf(req), req.params.approvalId),
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof AttachDecisionBody> }>(
    '/approvals/:id/attach-decision',
    {
      config: { scopes: ['approvals:request'] },
      schema: {
        operationId: 'attachDecision',
        tags: ['approvals'],
        summary: 'Attach a decision with the same action hash (else 409 decision_mismatch)',
        params: IdParams,
        body: AttachDecisionBody,
        response: { 200: Type.Ref('Approval'), ...problemResponses },
      },
    },
    async (req) => {
      const p = principalOf(req);
      return s.reads.view(
        p,
        await s.evidence.attachDecision(p, req.params.id, req.body.decisionId),
      );
    },
  );
};
