import type { FastifyPluginAsync } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { GateRefusal, InputError } from '../../errors/index.js';
import type { Services } from '../../services/index.js';
import { PipelineVersion } from '../schemas/resources.js';
import { principalOf } from '../principal.js';
import type { Metrics } from '../metrics.js';
import { Name, Nullable, problemResponses, Sha256Ref, Str } from '../schemas/common.js';

const GateBody = Type.Object(
  {
    action: Type.Ref('ActionInput'),
    // any string reaches the verifier, whose answer for a malformed one is the contract's
    // 403 credential_malformed; only an absurd length is refused here (400)
    credential: Type.Optional(Str(16_384)),
  },
  { additionalProperties: false },
);

const GateAllowed = Type.Object({
  allowed: Type.Literal(true),
  decision: Type.Ref('Decision'),
  approvalId: Nullable(Type.String()),
});

const ProjectParams = Type.Object({ project: Name }, { additionalProperties: false });
const VersionsQuery = Type.Object(
  {
    limit: Type.Optional(Str(3, { pattern: '^[0-9]{1,3}$' })),
    cursor: Type.Optional(Str(512)),
  },
  { additionalProperties: false },
);
const VersionBody = Type.Object(
  { version: Str(128, { minLength: 1 }), specHash: Sha256Ref },
  { additionalProperties: false },
);

export interface GateRouteOptions {
  services: Services;
  metrics?: Pick<Metrics, 'gateAnswered'>;
}

export const gateRoutes: FastifyPluginAsync<GateRouteOptions> = async (
  app,
  { services: s, metrics },
) => {
  app.post<{ Body: Static<typeof GateBody> }>(
    '/gate',
    {
      config: { scopes: ['gate:check'] },
      schema: {
        operationId: 'checkGate',
        tags: ['gate'],
        summary:
          'Check an action (and its credential) before running it: 200 allowed or 403 with a reason code',
        body: GateBody,
        response: { 200: GateAllowed, ...problemResponses },
      },
    },
    async (req) => {
      const r = await s.gate.check(principalOf(req), {
        action: req.body.action,
        ...(req.body.credential !== undefined ? { credential: req.body.credential } : {}),
      });
      metrics?.gateAnswered(r.allowed, r.allowed ? r.decision.reasonCode : r.code);
      if (r.allowed) return { allowed: true, decision: r.decision, approvalId: r.approvalId };
      throw new GateRefusal(r.code, r.message, {
        ...(r.details ?? {}),
        decisionId: r.decision.decisionId,
        outcome: r.decision.outcome,
        approvalId: r.approvalId,
      });
    },
  );

  app.post<{ Params: Static<typeof ProjectParams>; Body: Static<typeof VersionBody> }>(
    '/projects/:project/versions',
    {
      config: { scopes: ['versions:write'] },
      schema: {
        operationId: 'registerPipelineVersion',
        tags: ['gate'],
        summary:
          'Register a pipeline version of a project (admin or versions:write): the only way a spec hash becomes a version',
        params: ProjectParams,
        body: VersionBody,
        response: { 201: PipelineVersion, ...problemResponses },
      },
    },
    async (req, reply) => {
      const v = await s.gate.registerVersion(principalOf(req), {
        project: req.params.project,
        ...req.body,
      });
      reply.code(201);
      return v;
    },
  );

  app.get<{ Params: Static<typeof ProjectParams>; Querystring: Static<typeof VersionsQuery> }>(
    '/projects/:project/versions',
    {
      schema: {
        operationId: 'listPipelineVersions',
        tags: ['gate'],
        summary: 'A project’s registered pipeline versions, latest registration first (readers)',
        params: ProjectParams,
        querystring: VersionsQuery,
        response: {
          200: Type.Object({
            items: Type.Array(PipelineVersion),
            nextCursor: Nullable(Type.String()),
          }),
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const n = req.query.limit === undefined ? 50 : Number(req.query.limit);
      if (n < 1 || n > 200) {
        throw new InputError('validation_failed', 'limit is out of range', [
          { path: 'querystring:/limit', message: 'must be between 1 and 200' },
        ]);
      }
      return s.gate.listVersions(principalOf(req), req.params.project, {
        limit: n,
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
      });
    },
  );
};
