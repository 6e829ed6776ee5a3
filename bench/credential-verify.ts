/**
 * Offline credential verification throughput: `createVerifier` (the fast path of
 * `countersign/verify`) against raw node:crypto Ed25519 verify of the same token's signing input
 * in the same run, and jose `jwtVerify` for reference.
 */
import { generateKeyPairSync, verify as verifyEd25519 } from 'node:crypto';
import { CompactSign, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import { createVerifier } from '../src/credentials/verify/index.js';
import type { ActionInput, CredentialClaims } from '../src/credentials/verify/index.js';
import { opsPerSecond, rateFigure, type BenchFigure } from './lib.js';

const NOW_MS = Date.parse('2026-01-01T00:10:00Z');
const HASH = `sha256:${'ab'.repeat(32)}`;

async function fixture(): Promise<{
  token: string;
  jwks: JSONWebKeySet;
  action: ActionInput;
  publicKey: ReturnType<typeof generateKeyPairSync>['publicKey'];
}> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x as string;
  const kid = 'bench-key';
  const iat = Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000);
  const claims: CredentialClaims = {
    v: 2,
    iss: 'countersign:bench',
    sub: 'apr_0001',
    jti: 'crd_0001',
    iat,
    nbf: iat,
    exp: iat + 3600,
    project: 'payments',
    env: 'prod-eu',
    posture: 'prod',
    action: { kind: 'deploy', mode: 'execute', target: 'service/payments-api' },
    spec_hash: HASH,
    cap: ['deploy:prod', 'network:egress'],
    risk_tags: ['prod'],
    constraints: { max_runtime_sec: 900 },
    rule: 'environments.prod-eu.actions.deploy',
    quorum: { min: 1, mode: 'any', groups: ['sre'] },
    action_hash: HASH,
    policy: HASH,
    requested_by: 'oidc:https://idp.example#alice',
    approvers: [{ sub: 'oidc:https://idp.example#bob', groups: ['sre'] }],
    break_glass: false,
    single_use: true,
  };
  const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'countersign-approval+jwt' })
    .sign(privateKey);
  const jwk = { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' };
  const jwks: JSONWebKeySet = { keys: [{ ...jwk, 'countersign:purpose': 'credential' } as JWK] };
  const action: ActionInput = {
    kind: 'deploy',
    mode: 'execute',
    environment: 'prod-eu',
    project: 'payments',
    target: 'service/payments-api',
    specHash: HASH,
    capabilities: ['deploy:prod'],
  };
  return { token, jwks, action, publicKey };
}

type Op = () => unknown;

/**
 * Runs each op in turn, 50 calls at a time, for about `ms` in all (after a warm-up through
 * opsPerSecond), and returns ops/second per op from the time spent in each.
 */
async function interleavedRates<K extends string>(
  ops: Record<K, Op>,
  ms: number,
): Promise<Record<K, number>> {
  const names = Object.keys(ops) as K[];
  for (const name of names) await opsPerSecond(ops[name], { ms: 200, warmupMs: 100 });
  const spent = Object.fromEntries(names.map((n) => [n, 0])) as Record<K, number>;
  const done = Object.fromEntries(names.map((n) => [n, 0])) as Record<K, number>;
  const batch = 50;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (const name of names) {
      const fn = ops[name];
      const start = performance.now();
      for (let i = 0; i < batch; i++) {
        const r = fn();
        if (r instanceof Promise) await r;
      }
      spent[name] += performance.now() - start;
      done[name] += batch;
    }
  }
  return Object.fromEntries(names.map((n) => [n, (done[n] / spent[n]) * 1000])) as Record<
    K,
    number
  >;
}

export async function benchCredentialVerify(): Promise<BenchFigure[]> {
  const { token, jwks, action, publicKey } = await fixture();
  const verifier = createVerifier({ jwks });
  const call = { now: NOW_MS };
  const check = await verifier.verify(token, action, call);
  if (!check.ok) throw new Error(`bench fixture does not verify: ${check.code}`);

  const dot = token.lastIndexOf('.');
  const signingInput = Buffer.from(token.slice(0, dot), 'latin1');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  const raw = (): boolean => verifyEd25519(null, signingInput, publicKey, signature);
  const fast = (): Promise<unknown> => verifier.verify(token, action, call);
  const jose = (): Promise<unknown> =>
    jwtVerify(token, publicKey, {
      algorithms: ['EdDSA'],
      typ: 'countersign-approval+jwt',
      currentDate: new Date(NOW_MS),
    });

  // Paired batches, alternating: load from other processes hits all three alike.
  const rates = await interleavedRates({ raw, fast, jose }, 2500);
  const baseline = 'raw node:crypto Ed25519 verify of the same signing input';
  return [
    rateFigure(
      'credential verify (createVerifier, offline, rows 1-11)',
      rates.fast,
      baseline,
      rates.raw,
      'target ratio >= 0.90; batches of 50 interleaved with the baseline',
    ),
    rateFigure('jose jwtVerify of the same token (reference)', rates.jose, baseline, rates.raw),
  ];
}
