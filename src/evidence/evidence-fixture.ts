/**
 * Test fixture: a complete evidence bundle built from first principles (a Merkle tree in memory,
 * a signed checkpoint, a signed credential), with no store or server, so unit tests can flip any
 * byte and see what the verifier says.
 */
import { sign as signBytes } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import {
  claimsFor,
  CONFIG_HASH,
  credentialHeader,
  ISSUED_AT,
  POLICY_HASH,
  signCompact,
  SPEC,
  testKey,
  type TestKey,
} from '../credentials/testing.js';
import { computeSpecHash } from '../credentials/verify/spec-hash.js';
import { boundFields, sortedUnique, type Action } from '../domain/action.js';
import type { ApprovalRequest } from '../domain/approval.js';
import type { AuditEvent, AuditEventType } from '../domain/audit-event.js';
import type { Decision } from '../domain/decision.js';
import { jcsHash } from '../lib/hash.js';
import { formatCheckpointBody, signCheckpoint } from '../audit/checkpoint.js';
import { evidenceApproval, type EvidenceBundle } from './evidence-types.js';
import { eventLeafHash, toHex } from '../audit/hash.js';
import { MemoryTree } from '../audit/memory-tree.js';
import { inclusionProof } from '../audit/proofs.js';

export const ORIGIN = 'countersign.example/audit';
export const APPROVAL_ID = 'apr_0001';
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

export interface Fixture {
  bundle: EvidenceBundle;
  jwks: JSONWebKeySet;
  credentialKey: TestKey;
  checkpointKey: TestKey;
  /** Signs a checkpoint note of this tree with any key (to test key separation). */
  signNote(key: TestKey): Promise<string>;
}

function rawPublicKey(key: TestKey): Uint8Array {
  return new Uint8Array(Buffer.from(String(key.jwk.x), 'base64url'));
}

function event(
  type: AuditEventType,
  req: ApprovalRequest | null,
  details: Record<string, unknown> = {},
): AuditEvent {
  return {
    schema: 'countersign.audit/v1',
    type,
    eventId: `evt_${type}_${req?.id ?? 'other'}`,
    at: iso(ISSUED_AT),
    actor: { id: 'apikey:k1', kind: 'apikey', name: 'ci' },
    environment: req?.action.environment ?? 'dev',
    project: req?.action.project ?? 'other',
    approvalId: req?.id ?? null,
    decisionId: req?.decision.decisionId ?? null,
    approvalRequired: req ? true : null,
    requiredCapabilities: req?.decision.requiredCapabilities ?? [],
    outcome: type === 'credential.issued' ? 'issued' : 'approved',
    reasonCode: null,
    actionHash: req?.actionHash ?? null,
    specHash: req?.action.specHash ?? null,
    details,
  };
}

function request(): ApprovalRequest {
  const action: Action = {
    kind: 'deploy',
    mode: 'execute',
    environment: 'prod-eu',
    project: 'payments',
    spec: SPEC,
    specHash: computeSpecHash(SPEC),
    configHash: CONFIG_HASH,
    target: 'service/payments-api',
    capabilities: [],
    riskTags: ['prod'],
    constraints: {},
  };
  const requiredCapabilities = ['deploy:prod', 'network:egress'];
  const actionHash = jcsHash(
    boundFields({
      ...action,
      capabilities: sortedUnique([...action.capabilities, ...requiredCapabilities]),
    }),
  );
  const decision: Decision = {
    decisionId: 'dec_0001',
    outcome: 'require_approval',
    reasonCode: 'approval_required',
    reason: 'prod deploys need approval',
    matchedRule: 'environments.prod-eu.actions.deploy',
    requiredCapabilities,
    approverGroups: ['sre'],
    quorum: { min: 1, groups: ['sre'], mode: 'any' },
    riskTags: ['prod'],
    constraints: {},
    policySnapshot: POLICY_HASH,
    actionHash,
    environment: 'prod-eu',
    posture: 'prod',
    severity: null,
    credentialTtlSec: 3600,
    singleUse: true,
    routedBy: null,
    evaluatedAt: iso(ISSUED_AT - 60),
  };
  const bob = {
    id: 'oidc:https://idp.example#bob',
    kind: 'user' as const,
    name: 'bob',
    fingerprint: 'bob',
  };
  return {
    id: APPROVAL_ID,
    state: 'approved',
    version: 2,
    action,
    actionHash,
    decision,
    approverGroups: ['sre'],
    quorum: { min: 1, groups: ['sre'], mode: 'any' },
    requestedBy: {
      id: 'oidc:https://idp.example#alice',
      kind: 'user',
      name: 'alice',
      fingerprint: 'alice',
    },
    createdAt: iso(ISSUED_AT - 60),
    expiresAt: iso(ISSUED_AT + 3600),
    decidedAt: iso(ISSUED_AT),
    breakGlass: null,
    reviews: [
      {
        reviewer: bob,
        verdict: 'approve',
        reason: 'ok',
        externalRef: null,
        groups: ['sre'],
        at: iso(ISSUED_AT),
      },
    ],
    history: [
      { event: 'requested', actor: 'oidc:https://idp.example#alice', at: iso(ISSUED_AT - 60) },
      { event: 'reviewed', actor: bob.id, at: iso(ISSUED_AT), reason: 'ok' },
      { event: 'approved', actor: bob.id, at: iso(ISSUED_AT) },
    ],
    note: null,
    callbackUrl: null,
  };
}

export async function buildFixture(): Promise<Fixture> {
  const credentialKey = testKey('cred-2026-01');
  const checkpointKey = testKey('audit-2026-01', 'checkpoint');
  const req = request();
  const token = signCompact(
    credentialHeader(credentialKey.kid),
    claimsFor(req.action.specHash, { sub: req.id }),
    credentialKey.privateKey,
  );
  // other approvals' events around ours make the proofs non-trivial
  const log: AuditEvent[] = [
    event('policy.loaded', null),
    event('approval.requested', req),
    event('decision.evaluated', null),
    event('approval.approved', req, { verdict: 'approve' }),
    event('credential.issued', req, { jti: 'crd_0001', kid: credentialKey.kid }),
    event('apikey.created', null),
    event('gate.allowed', req),
  ];
  const tree = new MemoryTree();
  for (const e of log) tree.append(eventLeafHash(e));
  const ours = [1, 3, 4, 6];
  const events = [];
  for (const index of ours) {
    const e = log[index] as AuditEvent;
    const proof = await inclusionProof(index, tree.size, tree.read);
    events.push({ index, event: e, leafHash: toHex(eventLeafHash(e)), proof: proof.map(toHex) });
  }
  const signNote = (key: TestKey) =>
    signCheckpoint(formatCheckpointBody({ origin: ORIGIN, size: tree.size, root: tree.root() }), {
      name: ORIGIN,
      publicKey: rawPublicKey(key),
      sign: (m) => new Uint8Array(signBytes(null, m, key.privateKey)),
    });
  const bundle: EvidenceBundle = {
    schema: 'countersign.evidence/v1',
    generatedAt: iso(ISSUED_AT + 120),
    approval: evidenceApproval(req),
    decision: req.decision,
    attachedDecisions: [],
    credential: {
      token,
      kid: credentialKey.kid,
      jti: 'crd_0001',
      issuedAt: iso(ISSUED_AT),
      expiresAt: iso(ISSUED_AT + 3600),
    },
    events,
    checkpoint: {
      origin: ORIGIN,
      size: tree.size,
      rootHash: toHex(tree.root()),
      note: await signNote(checkpointKey),
    },
  };
  return {
    bundle,
    jwks: { keys: [credentialKey.jwk, checkpointKey.jwk] },
    credentialKey,
    checkpointKey,
    signNote,
  };
}
