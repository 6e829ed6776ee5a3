/** The files `countersign init` writes: a starter countersign.yaml and a demo policy. */
import { basename } from 'node:path';

function deploymentName(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return name === '' ? 'local' : name.slice(0, 64);
}

/**
 * countersign.yaml for a local start in `dir`: SQLite store, keys and policy under
 * `.countersign/`, listening on 127.0.0.1:8080, dev mode off (API keys authenticate).
 */
export function renderStarterConfig(opts: { dir: string }): string {
  const name = deploymentName(opts.dir);
  return `# Countersign deployment configuration. Every key has a default; see docs/configuration.md.
# Secrets never go in this file: name the environment variables that hold them.
server:
  listen: 127.0.0.1:8080
  # publicUrl: https://countersign.example.com   # links in notifications; default http://<listen>
  devMode: false          # true = no authentication (local demos only, loopback only)
  bodyLimit: 1MiB
store:
  url: sqlite:.countersign/countersign.db   # or postgres://user@host:5432/db (COUNTERSIGN_STORE_URL)
signing:
  issuer: countersign:${name}
  keysDir: .countersign/keys
  clockSkew: 30s
  maxCredentialTtl: 24h
audit:
  origin: countersign.${name}/audit
  checkpointEvery: 1s
policy:
  file: .countersign/policy.yaml
# People sign in with OIDC; machines use API keys (\`countersign apikey create\`).
# identity:
#   oidc:
#     - issuer: https://login.example.com
#       audience: countersign
#       jwksUri: https://login.example.com/.well-known/jwks.json
#       groupsClaim: groups
#   rbac:
#     scopes:
#       admin: [platform-admins]
#       audit:read: [auditors]
notifications:
  onEvents: [requested, decided, break_glass]
  # providers:
  #   slack: { urlEnv: COUNTERSIGN_SLACK_WEBHOOK_URL }
  #   webhook: { urlEnv: COUNTERSIGN_WEBHOOK_URL, secretEnv: COUNTERSIGN_WEBHOOK_SECRET }
  callbackAllowlist: []   # URL prefixes allowed for callbackUrl; empty = callbacks refused
`;
}

/** A demo policy covering every kind of rule; it loads with `parsePolicy` as is. */
export function renderStarterPolicy(): string {
  return `# Countersign policy: what needs approval, and by whom. See docs/policy.md.
version: 1
environments:
  dev:
    posture: dev
    sideEffects: allow
    replay: allowed
  staging:
    posture: staging
    sideEffects: require_approval
    approvers: { groups: [release-managers] }
    replay: dry_run_only
  prod:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [release-managers] }   # kinds without their own entry
    replay: allowed
    crossEnvironmentReplay: false
    dryRunReplayRequiresApproval: false
    breakGlass: { groups: [incident-commanders], maxDuration: 4h, requireExternalRef: true }
    actions:
      deploy:
        capabilities: [deploy]
        approvers: { groups: [release-managers, sre], min: 2, mode: each }
        credentialTtl: 1h
      replay:
        capabilities: [replay.execute]
        approvers: { groups: [sre, security], min: 2, mode: each }
        singleUse: true
  locked:
    posture: prod
    sideEffects: deny
rules:            # agent and tool actions; first match wins, after the environment's actions
  - id: filesystem.write.iam
    match: { kind: write_file, targetGlob: "iam/**" }
    outcome: require_approval
    severity: high
    riskTags: [write]
    capabilities: [iam.write]
    approvers: { groups: [IAM] }
  - id: github.workflows        # CI definitions run with the repository's secrets
    match: { kind: write_file, targetGlob: ".github/workflows/**" }
    outcome: require_approval
    severity: high
    riskTags: [supply-chain]
    capabilities: [ci.workflow.write]
    approvers: { groups: [platform-security] }
  - id: terraform.apply
    match: { kind: terraform_apply }
    outcome: require_approval
    severity: critical
    riskTags: [infrastructure]
    capabilities: [terraform.apply]
    approvers: { groups: [cloud-security] }
  - id: network.egress          # data leaving for hosts the agent chose
    match: { kind: network_egress }
    outcome: require_approval
    severity: high
    riskTags: [egress]
    capabilities: [network.egress]
    approvers: { groups: [security] }
  - id: secrets.access
    match: { kind: secret_access }
    outcome: require_approval
    severity: high
    riskTags: [secrets]
    capabilities: [secrets.read]
    approvers: { groups: [security] }
  - id: database.schema
    match: { kind: schema_change }
    outcome: require_approval
    severity: high
    riskTags: [schema]
    capabilities: [database.schema.change]
    approvers: { groups: [database-owners] }
  - id: mcp.read-only          # tool calls the MCP gateway's tools file tags read-only
    match: { kind: mcp_tool, riskTags: [read-only] }
    outcome: allow
  - id: mcp.tools               # every other call through \`countersign mcp proxy\`
    match: { kind: [mcp_tool, mcp_tool_call] }
    outcome: require_approval
    severity: medium
    approvers: { groups: [AI Governance] }
  - id: read.anything
    match: { kind: read_file }
    outcome: allow
  - id: shell.commands
    match: { kind: execute_command }
    outcome: require_approval
    severity: high
    capabilities: [shell.execute]
    approvers: { groups: [platform-security] }
routing:          # replaces the approver groups of a matched decision; first match wins
  - id: secrets-to-security
    match: { riskTags: [secrets] }
    approverGroup: security
defaults:
  requestTtl: 24h
  maxRequestTtl: 720h
  credentialTtl: 1h
`;
}
