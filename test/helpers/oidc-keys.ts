/**
 * Test-only token minting: our own signing keys (jose generateKeyPair + SignJWT) and a tiny JWKS
 * server on 127.0.0.1 whose key set can be rotated, taken down, or made to fail.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import type { OidcIssuerConfig, RbacConfig } from '../../src/config/config-types.js';

export type TestAlg = 'ES256' | 'RS256' | 'EdDSA';

export interface SigningKey {
  kid: string;
  alg: TestAlg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeSigningKey(kid: string, alg: TestAlg = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, publicJwk };
}

/** Signs `claims` with `key`; `kid` defaults to the key's own (null leaves it out). */
export async function mintToken(
  key: SigningKey,
  claims: JWTPayload,
  opts: { kid?: string | null } = {},
): Promise<string> {
  const kid = opts.kid === undefined ? key.kid : opts.kid;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: 'JWT', ...(kid === null ? {} : { kid }) })
    .sign(key.privateKey);
}

/** An unsigned token (`alg: none`). */
export function mintUnsignedToken(claims: JWTPayload): string {
  return new UnsecuredJWT(claims).encode();
}

/** The key-confusion attack: HS256 whose HMAC secret is the issuer's public key (SPKI PEM). */
export async function mintHs256WithPublicKey(key: SigningKey, claims: JWTPayload): Promise<string> {
  const secret = new TextEncoder().encode(await exportSPKI(key.publicKey));
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid })
    .sign(secret);
}

export interface JwksServer {
  /** `http://127.0.0.1:<port>/jwks` */
  url: string;
  /** How many times the key set was requested. */
  readonly fetches: number;
  setKeys(keys: readonly JWK[]): void;
  /** Answer every request with this status instead of the key set (null: serve normally). */
  failWith(status: number | null): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: readonly JWK[]): Promise<JwksServer> {
  let current = [...keys];
  let failure: number | null = null;
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    if (failure !== null) {
      res.writeHead(failure, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/jwk-set+json' })
      .end(JSON.stringify({ keys: current }));
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    get fetches() {
      return fetches;
    },
    setKeys(next) {
      current = [...next];
    },
    failWith(status) {
      failure = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port bound, then released). */
export async function deadJwksUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/jwks`;
}

export function issuerConfig(overrides: Partial<OidcIssuerConfig> = {}): OidcIssuerConfig {
  return {
    issuer: 'https://login.test.example',
    audience: ['countersign'],
    jwksUri: null,
    jwksFile: null,
    algorithms: ['ES256', 'RS256', 'EdDSA'],
    groupsClaim: 'groups',
    leewayMs: 60_000,
    ...overrides,
  };
}

/** The RBAC of CONFIG.md's example, plus gate:check for a CI group. */
export const TEST_RBAC: RbacConfig = {
  scopes: {
    admin: ['platform-admins'],
    'audit:read': ['auditors'],
    'gate:check': ['Release Managers'],
  },
  groupMappings: {
    'github-team:payments-owners': ['Payments Owners'],
    'github-team:release': ['Release Managers', 'release-managers'],
  },
  repositoryPermissions: [
    {
      repository: 'payments/api',
      approverGroup: 'IAM',
      groups: ['Payments Owners'],
      actions: ['approve', 'deny'],
    },
    {
      repository: 'payments/ledger',
      approverGroup: 'IAM',
      groups: ['Payments Owners'],
      actions: ['deny'],
    },
  ],
};
