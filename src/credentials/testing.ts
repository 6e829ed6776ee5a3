/**
 * Test helpers for credential tests: fixed times, a well-formed claim set and action, and token
 * builders that can produce the hostile shapes the verifier must refuse.
 */
import { generateKeyPairSync, sign as signBytes, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { actionHashOfClaims } from './verify/action-hash.js';
import type { ActionInput, CredentialClaims } from './verify/types.js';

/** Frozen verification time: ten minutes after issue. */
export const NOW_MS = Date.parse('2026-01-01T00:10:00.000Z');
export const ISSUED_AT = Date.parse('2026-01-01T00:00:00.000Z') / 1000;
export const SPEC = { pipeline: 'payments', version: '2026.01.3', steps: ['build', 'ship'] };
export const CONFIG_HASH = `sha256:${'c0'.repeat(32)}`;
export const POLICY_HASH = `sha256:${'9f'.repeat(32)}`;

export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public JWK as a Countersign JWKS lists it. */
  jwk: JWK;
}

export function testKey(kid: string, purpose: 'credential' | 'checkpoint' = 'credential'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x as string;
  const jwk: JWK = { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' };
  (jwk as Record<string, unknown>)['countersign:purpose'] = purpose;
  return { kid, privateKey, publicKey, jwk };
}

export function claimsFor(
  specHash: string,
  overrides: Partial<CredentialClaims> = {},
): CredentialClaims {
  const claims: CredentialClaims = {
    v: 2,
    iss: 'countersign:test',
    sub: 'apr_0001',
    jti: 'crd_0001',
    iat: ISSUED_AT,
    nbf: ISSUED_AT,
    exp: ISSUED_AT + 3600,
    project: 'payments',
    env: 'prod-eu',
    posture: 'prod',
    action: { kind: 'deploy', mode: 'execute', target: 'service/payments-api' },
    spec_hash: specHash,
    config_hash: CONFIG_HASH,
    cap: ['deploy:prod', 'network:egress'],
    risk_tags: ['prod'],
    constraints: { max_runtime_sec: 900 },
    rule: 'environments.prod-eu.actions.deploy',
    quorum: { min: 1, mode: 'any', groups: ['sre'] },
    action_hash: '',
    policy: POLICY_HASH,
    requested_by: 'oidc:https://idp.example#alice',
    approvers: [{ sub: 'oidc:https://idp.example#bob', groups: ['sre'] }],
    break_glass: false,
    single_use: true,
    ...overrides,
  };
  if (overrides.action_hash === undefined) claims.action_hash = actionHashOfClaims(claims);
  return claims;
}

export function actionFor(overrides: Partial<ActionInput> = {}): ActionInput {
  return {
    kind: 'deploy',
    mode: 'execute',
    environment: 'prod-eu',
    project: 'payments',
    target: 'service/payments-api',
    spec: SPEC,
    configHash: CONFIG_HASH,
    capabilities: ['deploy:prod'],
    ...overrides,
  };
}

export function b64(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** Signs `header.payload` with Ed25519 exactly as given, so tests control every byte. */
export function signCompact(header: unknown, payload: unknown, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = signBytes(null, Buffer.from(input, 'latin1'), key).toString('base64url');
  return `${input}.${signature}`;
}

export function credentialHeader(kid: string): Record<string, unknown> {
  return { alg: 'EdDSA', kid, typ: 'countersign-approval+jwt' };
}
