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
import { boundFields, type Action } from '../domain/action.js';
import type { ApprovalRequest } from '../domain/approval.js';
import type { PrincipalRef } from '../domain/principal.js';
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

const CI: PrincipalRef = { id: 'apikey:k1', kind: 'apikey', name: 'ci', fingerprint: 'ci' };
const ALICE: PrincipalRef = {
  id: 'oidc:https://idp.example#alice',
  kind: 'user',
  name: 'alice',
  fingerprint: 'alice',
};
const BOB: PrincipalRef = {
  id: 'oidc:https://idp.example#bob',
  kind: 'user',
  name: 'bob',
  fingerprint: 'bob',
};

function event(
  type: AuditEventType,
  req: ApprovalRequest | null,
  details: Record<string, unknown> = {},
  actor: PrincipalRef = CI,
  at: string = iso(ISSUED_AT),
): AuditEvent {
  return {
    schema: 'countersign.audit/v1',
    type,
    eventId: `evt_${type}_${req?.id ?? 'other'}`,
    at,
    actor: { id: actor.id, kind: actor.kind, name: actor.name },
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

function request(breakGlass: boolean): ApprovalRequest {
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
  const binding = {
    requiredCapabilities,
    riskTags: ['prod'],
    constraints: {},
    matchedRule: 'environments.prod-eu.actions.deploy',
    quorum: { min: 1, groups: ['sre'], mode: 'any' as const },
  };
  const actionHash = jcsHash(boundFields(action, binding));
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
  const base = {
    id: APPROVAL_ID,
    action,
    actionHash,
    decision,
    createdAt: iso(ISSUED_AT - 60),
    expiresAt: iso(ISSUED_AT + 3600),
    note: null,
    callbackUrl: null,
  };
  if (breakGlass) {
    const group = 'incident-commanders';
    return {
      ...base,
      state: 'approved',
      version: 1,
      createdAt: iso(ISSUED_AT),
      approverGroups: [group],
      quorum: { min: 1, groups: [group], mode: 'any' },
      requestedBy: ALICE,
      decidedAt: iso(ISSUED_AT),
      breakGlass: { reason: 'outage INC-7', approverGroup: group, externalRef: 'INC-7' },
      reviews: [
        {
          reviewer: ALICE,
          verdict: 'approve',
          reason: 'outage INC-7',
          externalRef: 'INC-7',
          groups: [group],
          at: iso(ISSUED_AT),
        },
      ],
      history: [
        {
          event: 'break_glass',
          actor: ALICE.id,
          at: iso(ISSUED_AT),
          reason: 'outage INC-7',
          externalRef: 'INC-7',
        },
      ],
    };
  }
  return {
    ...base,
    state: 'approved',
    version: 2,
    approverGroups: ['sre'],
    quorum: { min: 1, groups: ['sre'], mode: 'any' },
    requestedBy: ALICE,
    decidedAt: iso(ISSUED_AT),
    breakGlass: null,
    reviews: [
      {
        reviewer: BOB,
        verdict: 'approve',
        reason: 'ok',
        externalRef: 'CHG-1',
        groups: ['sre'],
        at: iso(ISSUED_AT),
      },
    ],
    history: [
      { event: 'requested', actor: ALICE.id, at: iso(ISSUED_AT - 60) },
      { event: 'reviewed', actor: BOB.id, at: iso(ISSUED_AT), reason: 'ok', externalRef: 'CHG-1' },
      { event: 'approved', actor: BOB.id, at: iso(ISSUED_AT) },
    ],
  };
}

/** The request's own events as the services write them (docs/audit-log.md). */
function requestEvents(req: ApprovalRequest): AuditEvent[] {
  const bg = req.breakGlass;
  if (bg) {
    return [
      event(
        'approval.break_glass',
        req,
        {
          breakGlass: true,
          reason: bg.reason,
          approverGroup: bg.approverGroup,
          externalRef: bg.externalRef,
          expiresAt: req.expiresAt,
          policyOutcome: req.decision.outcome,
        },
        req.requestedBy,
        req.createdAt,
      ),
    ];
  }
  const review = req.reviews[0] as ApprovalRequest['reviews'][number];
  return [
    event(
      'approval.requested',
      req,
      {
        kind: req.action.kind,
        mode: req.action.mode,
        target: req.action.target ?? null,
        matchedRule: req.decision.matchedRule,
        approverGroups: req.approverGroups,
        quorum: req.quorum,
        expiresAt: req.expiresAt,
        riskTags: req.decision.riskTags,
      },
      req.requestedBy,
      req.createdAt,
    ),
    event('decision.evaluated', null),
    event(
      'approval.approved',
      req,
      {
        verdict: review.verdict,
        reason: review.reason,
        externalRef: review.externalRef,
        countedGroups: review.groups,
        approvals: 1,
        quorum: req.quorum,
      },
      review.reviewer,
      review.at,
    ),
  ];
}

/** An approved request's bundle; with `breakGlass`, one declared by break-glass. */
export async function buildFixture(opts: { breakGlass?: boolean } = {}): Promise<Fixture> {
  const credentialKey = testKey('cred-2026-01');
  const checkpointKey = testKey('audit-2026-01', 'checkpoint');
  const req = request(opts.breakGlass === true);
  const token = signCompact(
    credentialHeader(credentialKey.kid),
    claimsFor(req.action.specHash, {
      sub: req.id,
      cap: req.decision.requiredCapabilities,
      risk_tags: req.decision.riskTags,
      constraints: req.decision.constraints,
      rule: req.decision.matchedRule,
      quorum: req.decision.quorum,
    }),
    credentialKey.privateKey,
  );
  // other approvals' events around ours make the proofs non-trivial
  const log: AuditEvent[] = [
    event('policy.loaded', null),
    ...requestEvents(req),
    event('credential.issued', req, { jti: 'crd_0001', kid: credentialKey.kid }),
    event('apikey.created', null),
    event('gate.allowed', req),
  ];
  const tree = new MemoryTree();
  for (const e of log) tree.append(eventLeafHash(e));
  const ours = log.flatMap((e, i) => (e.approvalId === req.id ? [i] : []));
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
