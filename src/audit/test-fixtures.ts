/** Fixtures for the audit log's unit tests: a checkpoint signer and numbered gate events. */
import { generateKeyPairSync, sign } from 'node:crypto';
import type { AuditEvent } from '../domain/audit-event.js';
import type { CheckpointSigner } from './checkpoint.js';

/** A fresh Ed25519 checkpoint signer named `origin`. */
export function testCheckpointSigner(origin: string): CheckpointSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    name: origin,
    publicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url'),
    sign: (m) => sign(null, m, privateKey),
  };
}

/** Gate event number `i` (its id, time and approval follow from `i`). */
export function testAuditEvent(i: number, outcome = 'allowed'): AuditEvent {
  return {
    schema: 'countersign.audit/v1',
    type: 'gate.allowed',
    eventId: `evt_${String(i).padStart(4, '0')}`,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    actor: { id: 'svc_deployer', kind: 'service', name: 'deployer' },
    environment: 'prod',
    project: 'payments',
    approvalId: `apr_${i}`,
    decisionId: null,
    approvalRequired: true,
    requiredCapabilities: ['deploy'],
    outcome,
    reasonCode: null,
    actionHash: null,
    specHash: null,
    details: {},
  };
}
