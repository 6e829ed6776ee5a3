/**
 * A real OpenID Provider (oidc-provider) on 127.0.0.1 for integration tests. It issues JWT access
 * tokens (RFC 9068) through the client-credentials grant with a resource indicator, signed with
 * its own keys and published at its own `jwks_uri`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export const OP_RESOURCE = 'urn:countersign';
export const OP_AUDIENCE = 'countersign';

export interface TestClient {
  clientId: string;
  clientSecret: string;
  /** Claims added to every access token this client obtains. */
  claims: Record<string, unknown>;
}

export interface TestProvider {
  issuer: string;
  jwksUri: string;
  tokenEndpoint: string;
  /** A JWT access token for `client` through the client-credentials grant. */
  accessToken(client: TestClient, resource?: string): Promise<string>;
  close(): Promise<void>;
}

async function signingKeys() {
  const es = await generateKeyPair('ES256', { extractable: true });
  const rs = await generateKeyPair('RS256', { extractable: true });
  return [
    { ...(await exportJWK(rs.privateKey)), kid: 'op-rs256', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(es.privateKey)), kid: 'op-es256', alg: 'ES256', use: 'sig' },
  ];
}

export async function startTestProvider(clients: readonly TestClient[]): Promise<TestProvider> {
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createServer((req, res) => {
    if (handle) handle(req, res);
    else res.writeHead(503).end();
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const byId = new Map(clients.map((c) => [c.clientId, c]));

  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    })),
    jwks: { keys: await signingKeys() },
    cookies: { keys: ['countersign-test-cookie-key'] },
    ttl: { ClientCredentials: 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => OP_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'approvals',
          audience: resource === OP_RESOURCE ? OP_AUDIENCE : resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    extraTokenClaims: (_ctx: unknown, token: { clientId?: string }) =>
      byId.get(token.clientId ?? '')?.claims,
  });
  handle = provider.callback();

  const discovery = (await (
    await fetch(`${issuer}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(5_000),
    })
  ).json()) as { issuer: string; jwks_uri: string; token_endpoint: string };

  return {
    issuer: discovery.issuer,
    jwksUri: discovery.jwks_uri,
    tokenEndpoint: discovery.token_endpoint,
    async accessToken(client, resource = OP_RESOURCE) {
      const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
      const res = await fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'approvals',
          resource,
        }),
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await res.json()) as { access_token?: unknown; token_type?: unknown };
      if (res.status !== 200 || typeof body.access_token !== 'string') {
        throw new Error(`token endpoint answered ${res.status}`);
      }
      return body.access_token;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
