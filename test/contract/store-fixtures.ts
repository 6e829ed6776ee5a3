/** Records for the Store contract suite: complete, valid domain objects with readable overrides. */
import { createHash, randomUUID } from 'node:crypto';
import type { Action } from '../../src/domain/action.js';
import type { ApprovalRequest } from '../../src/domain/approval.js';
import type { AuditEvent } from '../../src/domain/audit-event.js';
import type { Decision } from '../../src/domain/decision.js';
import type { PrincipalRef } from '../../src/domain/principal.js';
import { jcs, sha256Hex } from '../../src/lib/hash.js';
import type { ApiKeyRecord, Store, StoredCredential } from '../../src/store/port.js';

export const T0 = '2026-03-01T12:00:00.000Z';

export function isoPlus(ms: number): string {
  return new Date(Date.parse(T0) + ms).toISOString();
}

export const MINUTE = 60_000;

/** What a contract run needs from one adapter. The store is migrated and empty. */
export interface ContractStore {
  store: Store;
  /** Every stored Merkle node, read from the adapter's own table (outside the port). */
  readAuditNodes(): Promise<{ level: number; index: number; hash: Uint8Array }[]>;
  cleanup(): Promise<void>;
}

/** Each test's fresh store (set up by the suite's beforeEach). */
export interface ContractContext {
  readonly store: Store;
  readonly handle: ContractStore;
}

export const ALICE: PrincipalRef = {
  id: 'apikey:key_alice',
  kind: 'apikey',
  name: 'alice',
  fingerprint: 'key_alice',
};

export function makeAction(over: Partial<Action> = {}): Action {
  return {
    kind: 'deploy',
    mode: 'execute',
    environment: 'prod',
    project: 'web',
    specHash: `sha256:${'a'.repeat(64)}`,
    target: 'web-1',
    capabilities: ['deploy'],
    riskTags: ['prod'],
    constraints: { region: 'eu-west-1' },
    reason: 'Weekly release',
    ...over,
  };
}

export function makeDecision(over: Partial<Decision> = {}): Decision {
  return {
    decisionId: `dec_${randomUUID()}`,
    outcome: 'require_approval',
    reasonCode: 'approval_required',
    reason: 'prod deploys need approval',
    matchedRule: 'environments.prod.actions.deploy',
    requiredCapabilities: ['deploy'],
    approverGroups: ['release-managers', 'sre'],
    quorum: { min: 2, groups: ['release-managers', 'sre'], mode: 'each' },
    riskTags: ['prod'],
    constraints: {},
    policySnapshot: `sha256:${'b'.repeat(64)}`,
    actionHash: `sha256:${'c'.repeat(64)}`,
    environment: 'prod',
    posture: 'prod',
    severity: null,
    credentialTtlSec: 3600,
    singleUse: true,
    routedBy: null,
    evaluatedAt: T0,
    ...over,
  };
}

export function makeApproval(
  id: string,
  over: Partial<ApprovalRequest> = {},
  actionOver: Partial<Action> = {},
): ApprovalRequest {
  const action = makeAction(actionOver);
  const actionHash = over.actionHash ?? `sha256:${sha256Hex(id)}`;
  return {
    id,
    state: 'pending',
    version: 1,
    action,
    actionHash,
    decision: makeDecision({ actionHash, environment: action.environment }),
    approverGroups: ['release-managers', 'sre'],
    quorum: { min: 2, groups: ['release-managers', 'sre'], mode: 'each' },
    requestedBy: ALICE,
    createdAt: T0,
    expiresAt: isoPlus(60 * MINUTE),
    decidedAt: null,
    breakGlass: null,
    reviews: [],
    history: [{ event: 'requested', actor: ALICE.id, at: T0, reason: 'Weekly release' }],
    note: null,
    callbackUrl: null,
    ...over,
  };
}

/** An event holding a value JSON cannot (a BigInt): it has no canonical form to log. */
export function makeEventWithoutJsonForm(): AuditEvent {
  return { ...makeEvent(), details: { n: 1n } } as unknown as AuditEvent;
}

export function makeEvent(over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    schema: 'countersign.audit/v1',
    type: 'approval.requested',
    eventId: `evt_${randomUUID()}`,
    at: T0,
    actor: { id: ALICE.id, kind: 'apikey', name: 'alice' },
    environment: 'prod',
    project: 'web',
    approvalId: null,
    decisionId: null,
    approvalRequired: true,
    requiredCapabilities: ['deploy'],
    outcome: 'pending',
    reasonCode: 'approval_required',
    actionHash: null,
    specHash: null,
    details: { nested: { list: [1, 'two', null], unicode: 'é€😀' } },
    ...over,
  };
}

export function makeApiKey(id: string, over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id,
    name: `key ${id}`,
    secretHash: sha256Hex(`secret-${id}`),
    scopes: ['approvals:review', 'audit:read'],
    groups: ['sre'],
    createdAt: T0,
    createdBy: 'local:admin',
    lastUsedAt: null,
    revokedAt: null,
    ...over,
  };
}

export function makeCredential(approvalId: string, jti: string): StoredCredential {
  return {
    approvalId,
    jti,
    kid: 'cred-2026-03',
    token: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln',
    issuedAt: T0,
    expiresAt: isoPlus(60 * MINUTE),
  };
}

/** RFC 6962 §2.1: leaf = SHA-256(0x00 ‖ JCS(event)), node = SHA-256(0x01 ‖ left ‖ right). */
export function leafHash(event: AuditEvent): Buffer {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(jcs(event), 'utf8')
    .digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

/** A private error class, so a test can tell its own throw from anything the store raises. */
export class Boom extends Error {
  override name = 'Boom';
}
