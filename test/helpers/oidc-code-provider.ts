/**
 * A real OpenID Provider (oidc-provider) on 127.0.0.1 for browser sign-in tests: authorization
 * code + PKCE with its built-in login and consent pages, ID tokens carrying email and groups.
 * `signIn` plays the browser: it follows redirects by hand, keeps the provider's cookies, and
 * submits the login and consent forms, until the provider redirects to the client.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface CodeClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface Account {
  email: string;
  groups: string[];
}

export interface CodeProvider {
  issuer: string;
  jwksUri: string;
  /** Logs `login` in at `authorizationUrl` and returns the redirect back to the client. */
  signIn(authorizationUrl: string, login: string): Promise<URL>;
  close(): Promise<void>;
}

const MAX_STEPS = 12;

export async function startCodeProvider(
  client: CodeClient,
  accounts: Record<string, Account>,
): Promise<CodeProvider> {
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createServer((req, res) => {
    if (handle) handle(req, res);
    else res.writeHead(503).end();
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rs = await generateKeyPair('RS256', { extractable: true });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: {
      keys: [
        { ...(await exportJWK(rs.privateKey)), kid: 'op-code-rs256', alg: 'RS256', use: 'sig' },
      ],
    },
    cookies: { keys: ['countersign-test-cookie-key-2'] },
    claims: { openid: ['sub'], email: ['email'], groups: ['groups'] },
    scopes: ['openid', 'email', 'groups'],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AuthorizationCode: 60,
      IdToken: 300,
      AccessToken: 300,
    },
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx: unknown, id: string) => {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...account }) };
    },
  });
  handle = provider.callback();

  const discovery = (await (
    await fetch(`${issuer}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(5_000),
    })
  ).json()) as { issuer: string; jwks_uri: string };

  async function signIn(authorizationUrl: string, login: string): Promise<URL> {
    const jar = new Map<string, string>();
    const keep = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = (pair ?? '').indexOf('=');
        if (eq > 0) jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
    };
    const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const go = async (url: string, form?: Record<string, string>) => {
      const res = await fetch(url, {
        method: form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: {
          cookie: cookie(),
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(form ? { body: new URLSearchParams(form).toString() } : {}),
        signal: AbortSignal.timeout(5_000),
      });
      keep(res);
      return res;
    };

    let next = authorizationUrl;
    for (let step = 0; step < MAX_STEPS; step++) {
      if (next.startsWith(client.redirectUri)) return new URL(next);
      const res = await go(next);
      const location = res.headers.get('location');
      if (location !== null) {
        await res.arrayBuffer();
        next = new URL(location, next).href;
        continue;
      }
      const page = await res.text();
      if (res.status !== 200 || !next.includes('/interaction/')) {
        throw new Error(`unexpected provider answer ${res.status} at step ${step}`);
      }
      const prompt = /name="prompt" value="(login|consent)"/.exec(page)?.[1];
      const form: Record<string, string> =
        prompt === 'login' ? { prompt, login, password: 'any' } : { prompt: 'consent' };
      const submitted = await go(next, form);
      const to = submitted.headers.get('location');
      await submitted.arrayBuffer();
      if (to === null) throw new Error(`the ${prompt ?? 'unknown'} form was not accepted`);
      next = new URL(to, next).href;
    }
    throw new Error('sign-in did not finish');
  }

  return {
    issuer: discovery.issuer,
    jwksUri: discovery.jwks_uri,
    signIn,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
