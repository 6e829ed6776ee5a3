import type { BoundActionFields } from '../../domain/action.js';
import { computeSpecHash } from './spec-hash.js';
import type { CredentialClaims } from './types.js';

/**
 * The bound fields an approval credential carries, in the shape the action hash hashes
 * (docs/credential-format.md, "The action hash"): what a credential's `action_hash` claim is the
 * hash of.
 *
 * @example
 * ```ts
 * import { boundFieldsOfClaims } from 'countersign/verify';
 * const bound = boundFieldsOfClaims(result.claims);
 * console.log(bound.repository, bound.riskTags, bound.constraints);
 * ```
 */
export function boundFieldsOfClaims(claims: CredentialClaims): BoundActionFields {
  const a = claims.action;
  return {
    kind: a.kind,
    mode: a.mode,
    environment: claims.env,
    project: claims.project,
    specHash: claims.spec_hash,
    configHash: claims.config_hash ?? null,
    target: a.target ?? null,
    repository: a.repository ?? null,
    sourceEnvironment: a.source_env ?? null,
    pipelineVersion: a.pipeline_version ?? null,
    capabilities: [...claims.cap],
    riskTags: [...claims.risk_tags],
    constraints: { ...claims.constraints },
    rule: claims.rule,
    quorum:
      claims.quorum === null
        ? null
        : { min: claims.quorum.min, mode: claims.quorum.mode, groups: [...claims.quorum.groups] },
  };
}

/**
 * Rebuilds the action hash from a credential's claims: `sha256:` of RFC 8785 JCS of
 * {@link boundFieldsOfClaims}. It equals the `action_hash` claim of every credential Countersign
 * issues, so an independent verifier can check that the claims it enforces are the ones approved.
 *
 * @example
 * ```ts
 * import { actionHashOfClaims } from 'countersign/verify';
 * if (actionHashOfClaims(result.claims) !== result.claims.action_hash) throw new Error('bad claims');
 * ```
 */
export function actionHashOfClaims(claims: CredentialClaims): string {
  return computeSpecHash(boundFieldsOfClaims(claims));
}
