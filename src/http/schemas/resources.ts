/** Schemas of the API's other resources: keys, versions, credentials, deliveries, policy facts. */
import { Type } from '@sinclair/typebox';
import { Nullable } from './common.js';

/** The signed approval credential of an approved request. */
export const Credential = Type.Object({
  approvalId: Type.String(),
  token: Type.String(),
  kid: Type.String(),
  jti: Type.String(),
  issuedAt: Type.String(),
  expiresAt: Type.String(),
});

/** An API key as admins see it (never its secret). */
export const ApiKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  groups: Type.Array(Type.String()),
  createdAt: Type.String(),
  createdBy: Type.String(),
  lastUsedAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
});

/** A registered pipeline version of a project. */
export const PipelineVersion = Type.Object({
  project: Type.String(),
  version: Type.String(),
  specHash: Type.String(),
  registeredAt: Type.String(),
  registeredBy: Type.String(),
});

/** The latest signed checkpoint as JSON. */
export const Checkpoint = Type.Object({
  origin: Type.String(),
  size: Type.Integer(),
  rootHash: Type.String(),
  note: Type.String(),
  createdAt: Type.String(),
});

/** Where break-glass may be declared and with which choices (the console's form). */
export const BreakGlassOptions = Type.Object({
  environments: Type.Array(
    Type.Object({
      id: Type.String(),
      posture: Type.String(),
      description: Nullable(Type.String()),
      declarerGroups: Type.Array(Type.String()),
      approverGroups: Type.Array(Type.String()),
      maxDurationSec: Type.Integer(),
      requireExternalRef: Type.Boolean(),
      kinds: Type.Array(Type.String()),
      mayDeclare: Type.Boolean(),
    }),
  ),
  projects: Type.Array(Type.String()),
});

/** Redacted evidence of notification deliveries (no secret, token or full webhook URL). */
export const DeliveryAttempt = Type.Object({
  at: Type.String(),
  durationMs: Type.Integer(),
  responseStatus: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});
export const Delivery = Type.Object({
  id: Type.String(),
  provider: Type.String(),
  event: Type.String(),
  messageId: Type.String(),
  status: Type.Union(
    (['pending', 'delivered', 'failed', 'dead'] as const).map((s) => Type.Literal(s)),
  ),
  attempts: Type.Integer(),
  firstAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastAttemptAt: Type.Union([Type.String(), Type.Null()]),
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
  responseStatus: Type.Union([Type.Integer(), Type.Null()]),
  target: Type.Union([Type.String(), Type.Null()]),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  attemptLog: Type.Array(DeliveryAttempt),
});
export const DeliverResponse = Type.Object({
  approvalId: Type.String(),
  deliveries: Type.Array(Delivery),
});
