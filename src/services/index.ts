/** All use cases, built from narrowed dependencies. Only main.ts (and tests) call this. */
import { createApiKeyService } from './apikey-service.js';
import { createBreakGlassService } from './break-glass-service.js';
import { createCredentialService } from './credential-service.js';
import { createDeliveryService } from './delivery-service.js';
import { createAuditService } from './audit-service.js';
import type { ServiceDeps } from './ports.js';
import { createEligibility } from './eligibility-service.js';
import { createEvidenceService } from './evidence-service.js';
import { createEvaluateService } from './evaluate-service.js';
import { createGateService } from './gate-service.js';
import { createLifecycleService } from './lifecycle-service.js';
import { createPolicyRecord } from './policy-record.js';
import { createReadService } from './read-service.js';
import { createRequestService } from './request-service.js';
import { createReviewService } from './review-service.js';
import { createAuditTiles } from './audit-tiles.js';
import { createWitnessService } from './witness-service.js';

export function createServices(deps: ServiceDeps) {
  const evaluator = createEvaluateService(deps);
  const witnesses = createWitnessService(deps);
  const reads = createReadService(deps);
  return {
    evaluator,
    requests: createRequestService({ ...deps, evaluator }),
    reviews: createReviewService(deps),
    lifecycle: createLifecycleService(deps),
    breakGlass: createBreakGlassService({ ...deps, evaluator }),
    gate: createGateService({ ...deps, evaluator }),
    audit: createAuditService(deps),
    evidence: createEvidenceService({ ...deps, audit: createAuditService(deps), witnesses }),
    witnesses,
    tiles: createAuditTiles({ ...deps, witnesses }),
    reads,
    eligibility: createEligibility({ ...deps, evaluator }),
    apiKeys: createApiKeyService(deps),
    credentials: createCredentialService({ ...deps, reads }),
    deliveries: createDeliveryService({ ...deps, reads }),
    policyRecord: createPolicyRecord(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
export type {
  AuditKeys,
  BreakGlassRules,
  CredentialMinter,
  GateVerifier,
  PolicyEngine,
  ServiceDeps,
  WitnessEndpoint,
  WitnessingConfig,
} from './ports.js';
export { EventBus } from './event-bus.js';
export type { GateResult } from './gate-service.js';
export type { WitnessOutcome } from './witness-service.js';
