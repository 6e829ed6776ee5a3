/** Schemas of the API's other resources: keys, versions, credentials, deliveries, policy facts. */
import { Type } from '@sinclair/typebox';
import { Literals, Nullable } from './common.js';

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
  responseStatus: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
});
export const Delivery = Type.Object({
  id: Type.String(),
  provider: Type.String(),
  event: Type.String(),
  messageId: Type.String(),
  status: Literals(['pending', 'delivered', 'failed', 'dead']),
  attempts: Type.Integer(),
  firstAttemptAt: Nullable(Type.String()),
  lastAttemptAt: Nullable(Type.String()),
  durationMs: Nullable(Type.Integer()),
  responseStatus: Nullable(Type.Integer()),
  target: Nullable(Type.String()),
  nextAttemptAt: Nullable(Type.String()),
  lastError: Nullable(Type.String()),
  attemptLog: Type.Array(DeliveryAttempt),
});
export const DeliverResponse = Type.Object({
  approvalId: Type.String(),
  deliveries: Type.Array(Delivery),
});
