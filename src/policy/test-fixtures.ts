/** Shared test fixtures for the policy tests (not part of the public API). */
import type { Action } from '../domain/action.js';
import { normalizeAction } from './action.js';

/** The docs/policy.md example policy, with comments, as an operator would write it. */
export const EXAMPLE_POLICY = `
version: 1
environments:
  dev:
    posture: dev
    sideEffects: allow
    replay: allowed
  staging:
    posture: staging
    sideEffects: require_approval
    replay: dry_run_only
  prod:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [release-managers], min: 1 }   # default for kinds without their own entry
    replay: allowed
    crossEnvironmentReplay: false
    dryRunReplayRequiresApproval: false
    breakGlass: { groups: [incident-commanders], maxDuration: 4h, requireExternalRef: true }
    actions:
      deploy:
        capabilities: [deploy]
        approvers: { groups: [release-managers], min: 1 }
        credentialTtl: 1h
      replay:
        capabilities: [replay.execute]
        approvers: { groups: [sre, security], min: 2, mode: each }
        singleUse: true
  locked:
    posture: prod
    sideEffects: deny
rules:
  - id: filesystem.write.iam
    match: { kind: write_file, targetGlob: "iam/**" }
    outcome: require_approval
    severity: high
    riskTags: [write]
    capabilities: [iam.write]
    approvers: { groups: [IAM] }
  - id: mcp.tools
    match: { kind: mcp_tool_call }
    outcome: require_approval
    approvers: { groups: [AI Governance] }
  - id: read.anything
    match: { kind: read_file }
    outcome: allow
routing:
  - match: { ruleIdPrefix: filesystem.write, targetContains: .github/workflows }
    approverGroup: Platform Security
defaults:
  requestTtl: 24h
  maxRequestTtl: 720h
`;

export const SPEC_HASH = `sha256:${'a'.repeat(64)}`;

/** A normalised action with sensible defaults for tests. */
export function makeAction(fields: Record<string, unknown> = {}): Action {
  return normalizeAction({
    kind: 'deploy',
    environment: 'prod',
    project: 'payments',
    specHash: SPEC_HASH,
    ...fields,
  });
}
