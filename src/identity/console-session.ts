/**
 * Console sessions: after an OIDC sign-in the browser holds a short server-signed JWT (HS256 with
 * a secret only this deployment knows) naming the person, their mapped groups and a CSRF token.
 * The same secret signs the short-lived login state (PKCE verifier, state, nonce) between
 * `/console/login` and `/console/callback`. Nothing here trusts a cookie it did not sign.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { RbacConfig } from '../config/config-types.js';
import type { Principal } from '../domain/principal.js';
import { AuthError } from '../errors/index.js';
import type { Clock } from '../lib/clock.js';
import { scopesFor } from './rbac.js';

/** File in the keys directory holding the session secret (not `.json`: the key ring skips it). */
export const SESSION_SECRET_FILE = 'console-session.secret';

const SESSION_TYP = 'countersign-session+jwt';
const LOGIN_TYP = 'countersign-login+jwt';
const ISSUER = 'countersign:console';
const LOGIN_TTL_S = 600;
const MAX_GROUPS = 256;

/**
 * The 32-byte session secret from `keysDir`, created (mode 0600) on first use. A file readable
 * by others is refused: whoever reads it can forge a session.
 */
export function loadSessionSecret(keysDir: string): Uint8Array {
  const file = join(keysDir, SESSION_SECRET_FILE);
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    throw new TypeError(`${file} must not be readable by group or others (chmod 600)`);
  }
  const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  if (secret.length < 32) throw new TypeError(`${file} must hold at least 32 random bytes`);
  return new Uint8Array(secret);
}

export interface ConsoleSession {
  principal: Principal;
  /** Must come back in `x-countersign-csrf` on every mutating request made with the cookie. */
  csrf: string;
  expiresAtMs: number;
}

/** What `/console/login` hands to `/console/callback` through a signed cookie. */
export interface LoginState {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface SessionCodecOptions {
  secret: Uint8Array;
  clock: Clock;
  ttlMs: number;
  rbac: RbacConfig;
}

function refused(): AuthError {
  // one message for every failure: a forged, expired or foreign cookie looks the same
  return new AuthError('unauthenticated', 'session invalid or expired');
}

function stringArray(value: unknown): string[] | null {
  if (!Array.isArray(value) || value.length > MAX_GROUPS) return null;
  return value.every((v) => typeof v === 'string' && v.length <= 256) ? (value as string[]) : null;
}

export function createSessionCodec(opts: SessionCodecOptions) {
  const nowS = () => Math.floor(opts.clock.now() / 1000);

  async function sign(typ: string, claims: Record<string, unknown>, ttlS: number) {
    const iat = nowS();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ })
      .setIssuer(ISSUER)
      .setAudience(typ)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlS)
      .sign(opts.secret);
  }

  async function open(typ: string, token: string) {
    // attacker-controlled: parse defensively; only our own typ, alg and audience pass
    try {
      const { payload, protectedHeader } = await jwtVerify(token, opts.secret, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: typ,
        typ,
        currentDate: new Date(opts.clock.now()),
        requiredClaims: ['exp', 'iat'],
      });
      if (protectedHeader.typ !== typ) throw refused();
      return payload;
    } catch (err) {
      if (err instanceof AuthError || err instanceof joseErrors.JOSEError) throw refused();
      throw err;
    }
  }

  /** A session for a person who just signed in; the cookie value and its CSRF token. */
  async function issue(p: Principal): Promise<{ token: string; csrf: string; maxAgeS: number }> {
    const csrf = randomBytes(24).toString('base64url');
    const maxAgeS = Math.floor(opts.ttlMs / 1000);
    const token = await sign(
      SESSION_TYP,
      { sub: p.id, name: p.name, groups: p.groups, csrf },
      maxAgeS,
    );
    return { token, csrf, maxAgeS };
  }

  /** The person behind a session cookie; scopes are recomputed from the groups with RBAC now. */
  async function verify(token: string): Promise<ConsoleSession> {
    const c = await open(SESSION_TYP, token);
    const groups = stringArray(c.groups);
    if (
      typeof c.sub !== 'string' ||
      !c.sub.startsWith('oidc:') ||
      typeof c.name !== 'string' ||
      typeof c.csrf !== 'string' ||
      groups === null
    ) {
      throw refused();
    }
    return {
      principal: {
        id: c.sub,
        kind: 'user',
        name: c.name,
        groups: [...groups],
        scopes: scopesFor(groups, opts.rbac),
        fingerprint: c.sub,
      },
      csrf: c.csrf,
      expiresAtMs: (c.exp as number) * 1000,
    };
  }

  const issueLoginState = (s: LoginState) => sign(LOGIN_TYP, { ...s }, LOGIN_TTL_S);

  async function verifyLoginState(token: string): Promise<LoginState> {
    const c = await open(LOGIN_TYP, token);
    const { state, nonce, codeVerifier } = c;
    if (
      typeof state !== 'string' ||
      typeof nonce !== 'string' ||
      typeof codeVerifier !== 'string'
    ) {
      throw refused();
    }
    return { state, nonce, codeVerifier };
  }

  return { issue, verify, issueLoginState, verifyLoginState, loginTtlS: LOGIN_TTL_S };
}

export type SessionCodec = ReturnType<typeof createSessionCodec>;
