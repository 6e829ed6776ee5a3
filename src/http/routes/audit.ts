import type { FastifyPluginAsync } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { AUDIT_EVENT_TYPES } from '../../domain/audit-event.js';
import { InputError } from '../../errors/index.js';
import type { Services } from '../../services/index.js';
import { Checkpoint } from '../schemas/resources.js';
import { principalOf } from '../principal.js';
import { Name, Nullable, problemResponses, Str } from '../schemas/common.js';
import { ConsistencyProof, InclusionProof } from '../schemas/proofs.js';

const Int = Str(16, { pattern: '^[0-9]{1,15}$' });
const Time = Str(40, { pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' });

const AuditQuery = Type.Object(
  {
    approval: Type.Optional(Str(64)),
    actor: Type.Optional(Str(256)),
    environment: Type.Optional(Name),
    project: Type.Optional(Name),
    type: Type.Optional(Type.Union(AUDIT_EVENT_TYPES.map((t) => Type.Literal(t)))),
    since: Type.Optional(Time),
    until: Type.Optional(Time),
    q: Type.Optional(Str(256, { minLength: 1 })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    limit: Type.Optional(Str(4, { pattern: '^[0-9]{1,4}$' })),
    cursor: Type.Optional(Str(512)),
  },
  { additionalProperties: false },
);

const AuditPage = Type.Object({
  items: Type.Array(
    Type.Object({ index: Type.Integer(), event: Type.Record(Type.String(), Type.Unknown()) }),
  ),
  nextCursor: Nullable(Type.String()),
});

const InclusionQuery = Type.Object(
  { index: Int, size: Type.Optional(Int) },
  { additionalProperties: false },
);
const ConsistencyQuery = Type.Object(
  { from: Int, to: Type.Optional(Int) },
  { additionalProperties: false },
);

export const auditRoutes: FastifyPluginAsync<{ services: Services; origin: string }> = async (
  app,
  { services: s, origin },
) => {
  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/audit',
    {
      config: { scopes: ['audit:read'] },
      schema: {
        operationId: 'listAuditEvents',
        tags: ['audit'],
        summary:
          'Audit events in log order (order=desc: newest first): {index, event} where event is exactly what leaf index hashes; q searches the event text',
        querystring: AuditQuery,
        response: { 200: AuditPage, ...problemResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (limit < 1 || limit > 1000) {
        throw new InputError('validation_failed', 'limit is out of range', [
          { path: 'querystring:/limit', message: 'must be between 1 and 1000' },
        ]);
      }
      return s.audit.list(
        principalOf(req),
        {
          ...(q.approval ? { approvalId: q.approval } : {}),
          ...(q.actor ? { actor: q.actor } : {}),
          ...(q.environment ? { environment: q.environment } : {}),
          ...(q.project ? { project: q.project } : {}),
          ...(q.type ? { type: q.type } : {}),
          ...(q.since ? { since: q.since } : {}),
          ...(q.until ? { until: q.until } : {}),
          ...(q.q ? { q: q.q } : {}),
        },
        {
          limit,
          ...(q.cursor ? { cursor: q.cursor } : {}),
          ...(q.order ? { order: q.order } : {}),
        },
      );
    },
  );

  app.get(
    '/audit/checkpoint',
    {
      config: { scopes: ['audit:read'] },
      schema: {
        operationId: 'getCheckpoint',
        tags: ['audit'],
        summary:
          'The latest signed checkpoint: a C2SP signed note (text/plain), or JSON with Accept: application/json',
        response: { 200: Type.Union([Checkpoint, Type.String()]), ...problemResponses },
      },
    },
    async (req, reply) => {
      const c = await s.audit.latestCheckpoint(principalOf(req));
      if ((req.headers.accept ?? '').includes('application/json')) {
        return { origin, size: c.size, rootHash: c.rootHash, note: c.note, createdAt: c.createdAt };
      }
      return reply.type('text/plain; charset=utf-8').send(c.note);
    },
  );

  app.get<{ Querystring: Static<typeof InclusionQuery> }>(
    '/audit/proofs/inclusion',
    {
      config: { scopes: ['audit:read'] },
      schema: {
        operationId: 'getInclusionProof',
        tags: ['audit'],
        summary:
          'RFC 9162 inclusion proof of event `index` in the tree of `size` (default: latest checkpoint)',
        querystring: InclusionQuery,
        response: {
          200: InclusionProof,
          ...problemResponses,
        },
      },
    },
    async (req) =>
      s.audit.proveInclusion(
        principalOf(req),
        Number(req.query.index),
        req.query.size === undefined ? undefined : Number(req.query.size),
      ),
  );

  app.get<{ Querystring: Static<typeof ConsistencyQuery> }>(
    '/audit/proofs/consistency',
    {
      config: { scopes: ['audit:read'] },
      schema: {
        operationId: 'getConsistencyProof',
        tags: ['audit'],
        summary:
          'RFC 9162 consistency proof between tree sizes `from` and `to` (default: current size)',
        querystring: ConsistencyQuery,
        response: {
          200: ConsistencyProof,
          ...problemResponses,
        },
      },
    },
    async (req) =>
      s.audit.proveConsistency(
        principalOf(req),
        Number(req.query.from),
        req.query.to === undefined ? undefined : Number(req.query.to),
      ),
  );
};
