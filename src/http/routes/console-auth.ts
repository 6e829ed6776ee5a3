/**
 * Console sign-in (groundwork for the web console): OpenID Connect authorization code + PKCE with
 * openid-client against the configured issuer. The ID token is verified by the same OIDC verifier
 * as bearer tokens, then the browser gets an HttpOnly session cookie and a readable CSRF cookie.
 *
 * `GET /console/login` → redirect to the identity provider (state, nonce, PKCE in a signed cookie)
 * `GET /console/callback` → exchange the code, verify, set the session, redirect to /console/
 * `GET /console/session` → who is signed in (401 when nobody)
 * `POST /console/logout` → clear the session (needs the CSRF header when a session is present)
 */
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import * as client from 'openid-client';
import type { ConsoleSignInConfig } from '../../config/config-types.js';
import { AuthError, PolicyError } from '../../errors/index.js';
import type { TokenVerifier } from '../../identity/authenticate.js';
import type { SessionCodec } from '../../identity/console-session.js';
import { constantTimeEqual } from '../../lib/compare.js';
import { CSRF_COOKIE, CSRF_HEADER, LOGIN_COOKIE, SESSION_COOKIE } from '../auth-hook.js';
import { problemResponses } from '../schemas/common.js';

export interface ConsoleAuthDeps {
  config: ConsoleSignInConfig;
  /** The client secret (from the environment variable config names); undefined = public client. */
  clientSecret: string | undefined;
  /** The OIDC verifier of `identity.oidc`: ID tokens are checked exactly like bearer tokens. */
  verifier: TokenVerifier;
  sessions: SessionCodec;
  /** Where to send the browser after sign-in and sign-out. */
  homePath?: string;
}

const CallbackQuery = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 4096 })),
    state: Type.Optional(Type.String({ maxLength: 1024 })),
    iss: Type.Optional(Type.String({ maxLength: 2048 })),
    error: Type.Optional(Type.String({ maxLength: 256 })),
    error_description: Type.Optional(Type.String({ maxLength: 1024 })),
    session_state: Type.Optional(Type.String({ maxLength: 1024 })),
    scope: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: false },
);

const SessionView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  groups: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  expiresAt: Type.String(),
});

/** The OpenAPI security scheme of the console's session cookie (mutations also need the CSRF header). */
export const CONSOLE_SESSION_SCHEME = {
  type: 'apiKey',
  in: 'cookie',
  name: SESSION_COOKIE,
  description: `The console's sign-in session (from /console/callback); a request other than GET also sends the session's CSRF token in \`${CSRF_HEADER}\``,
} as const;
const BY_SESSION = [{ consoleSession: [] }];

/** A redirect: no body, the target in `location`. */
const Redirect = (description: string) => Type.Null({ description });

function signInFailed(): AuthError {
  // never the code, a token, or the provider's answer: those can carry secrets
  return new AuthError('unauthenticated', 'sign-in failed');
}

export function registerConsoleAuthRoutes(app: FastifyInstance, deps: ConsoleAuthDeps): void {
  const redirectUri = new URL(deps.config.redirectUri);
  const secure = redirectUri.protocol === 'https:';
  const home = deps.homePath ?? '/console/';
  const base: CookieSerializeOptions = { path: '/', sameSite: 'lax', secure };
  const loginCookie: CookieSerializeOptions = {
    ...base,
    httpOnly: true,
    path: redirectUri.pathname,
    maxAge: deps.sessions.loginTtlS,
  };

  // discovered on first use and kept; a failed discovery is retried on the next sign-in
  let discovered: Promise<client.Configuration> | null = null;
  const configuration = (): Promise<client.Configuration> => {
    if (!discovered) {
      const issuer = new URL(deps.config.issuer);
      discovered = client
        .discovery(
          issuer,
          deps.config.clientId,
          deps.clientSecret,
          deps.clientSecret === undefined ? client.None() : client.ClientSecretPost(),
          {
            // plain http only for a loopback issuer (config validation enforces that)
            ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
            timeout: 5,
          },
        )
        .catch((err: unknown) => {
          discovered = null;
          throw err;
        });
    }
    return discovered;
  };

  app.get(
    '/console/login',
    {
      schema: {
        operationId: 'consoleLogin',
        tags: ['console'],
        summary: 'Start browser sign-in (redirects to the IdP)',
        security: [],
        response: {
          302: Redirect('To the identity provider, with state, nonce and PKCE in a login cookie'),
          401: problemResponses[401],
        },
      },
    },
    async (_req, reply) => {
      let cfg: client.Configuration;
      try {
        cfg = await configuration();
      } catch {
        throw signInFailed();
      }
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(cfg, {
        redirect_uri: deps.config.redirectUri,
        scope: deps.config.scopes.join(' '),
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const token = await deps.sessions.issueLoginState({ state, nonce, codeVerifier });
      reply.header('cache-control', 'no-store');
      reply.setCookie(LOGIN_COOKIE, token, loginCookie);
      return reply.redirect(url.href, 302);
    },
  );

  app.get<{ Querystring: typeof CallbackQuery.static }>(
    '/console/callback',
    {
      schema: {
        operationId: 'consoleCallback',
        tags: ['console'],
        summary: 'Finish browser sign-in: exchange the code and start a session',
        security: [],
        querystring: CallbackQuery,
        response: {
          303: Redirect('Signed in: to the console, with the session and CSRF cookies'),
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const started = req.cookies[LOGIN_COOKIE];
      reply.clearCookie(LOGIN_COOKIE, loginCookie);
      if (!started) throw new AuthError('unauthenticated', 'sign-in was not started here');
      const login = await deps.sessions.verifyLoginState(started);
      if (req.query.error !== undefined || req.query.code === undefined) throw signInFailed();
      const current = new URL(redirectUri.href);
      current.search = new URLSearchParams(req.query as Record<string, string>).toString();
      let idToken: string | undefined;
      try {
        const tokens = await client.authorizationCodeGrant(await configuration(), current, {
          pkceCodeVerifier: login.codeVerifier,
          expectedState: login.state,
          expectedNonce: login.nonce,
          idTokenExpected: true,
        });
        idToken = tokens.id_token;
      } catch {
        throw signInFailed();
      }
      if (idToken === undefined) throw signInFailed();
      // the same checks as any bearer token: issuer, alg allowlist, JWKS signature, aud, times
      const principal = await deps.verifier.verify(idToken);
      const session = await deps.sessions.issue(principal);
      reply.setCookie(SESSION_COOKIE, session.token, {
        ...base,
        httpOnly: true,
        maxAge: session.maxAgeS,
      });
      // readable by the console's script, which echoes it in the CSRF header
      reply.setCookie(CSRF_COOKIE, session.csrf, {
        ...base,
        httpOnly: false,
        maxAge: session.maxAgeS,
      });
      return reply.redirect(home, 303);
    },
  );

  const sessionOf = async (req: FastifyRequest) => {
    const cookie = req.cookies[SESSION_COOKIE];
    if (!cookie) throw new AuthError('unauthenticated', 'not signed in');
    return deps.sessions.verify(cookie);
  };

  app.get(
    '/console/session',
    {
      schema: {
        operationId: 'getConsoleSession',
        tags: ['console'],
        summary: 'The signed-in person (console session)',
        security: BY_SESSION,
        response: { 200: SessionView, ...problemResponses },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const s = await sessionOf(req);
      return {
        id: s.principal.id,
        name: s.principal.name,
        groups: s.principal.groups,
        scopes: s.principal.scopes,
        expiresAt: new Date(s.expiresAtMs).toISOString(),
      };
    },
  );

  app.post(
    '/console/logout',
    {
      schema: {
        operationId: 'consoleLogout',
        tags: ['console'],
        summary: 'End the console session',
        description: `Clears the session cookies. A live session must send its CSRF token in \`${CSRF_HEADER}\`; an expired one may always be cleared.`,
        security: [...BY_SESSION, {}],
        response: {
          204: Type.Null({ description: 'Signed out' }),
          403: problemResponses[403],
        },
      },
    },
    async (req: FastifyRequest, reply: FastifyReply) => {
      if (req.cookies[SESSION_COOKIE]) {
        const s = await sessionOf(req).catch(() => null);
        const sent = req.headers[CSRF_HEADER];
        // an expired session may always be cleared; a live one only by its own page
        if (s && (typeof sent !== 'string' || !constantTimeEqual(sent, s.csrf))) {
          throw new PolicyError('forbidden', `logging out needs the ${CSRF_HEADER} header`);
        }
      }
      reply.clearCookie(SESSION_COOKIE, { ...base, httpOnly: true });
      reply.clearCookie(CSRF_COOKIE, { ...base, httpOnly: false });
      return reply.code(204).send();
    },
  );
}
