/**
 * Builds what authentication needs from the configuration, failing at boot on anything unsafe:
 * the OIDC verifier for `identity.oidc`, console sign-in for `identity.console`, and the rule
 * that devMode only ever listens on loopback.
 */
import type { CountersignConfig } from '../config/index.js';
import { isLoopbackHost, readSecretEnv } from '../config/index.js';
import { InputError } from '../errors/index.js';
import type { ConsoleAuthDeps } from './routes/console-auth.js';
import type { Clock } from '../lib/clock.js';
import type { TokenVerifier } from '../identity/authenticate.js';
import { createSessionCodec, loadSessionSecret } from '../identity/console-session.js';
import { createOidcVerifier } from '../identity/oidc.js';

/** devMode lets anyone act: it must never be reachable from another machine. */
export function assertDevModeLoopback(config: Pick<CountersignConfig, 'server'>): void {
  if (config.server.devMode && !isLoopbackHost(config.server.host)) {
    throw new InputError('validation_failed', 'refusing to start devMode off loopback', [
      {
        path: 'server.devMode',
        message: 'is only allowed with a loopback listen address (127.0.0.0/8, ::1, localhost)',
      },
    ]);
  }
}

export interface Identity {
  oidc: TokenVerifier | null;
  console: ConsoleAuthDeps | null;
}

export function createIdentity(
  config: Pick<CountersignConfig, 'identity' | 'signing'>,
  clock: Clock,
): Identity {
  const { oidc: issuers, rbac } = config.identity;
  const oidc = issuers.length > 0 ? createOidcVerifier(issuers, rbac, { clock }) : null;
  const signIn = config.identity.console;
  if (!signIn) return { oidc, console: null };
  if (!oidc) throw new TypeError('identity.console needs identity.oidc');
  let clientSecret: string | undefined;
  if (signIn.clientSecretEnv !== null) {
    clientSecret = readSecretEnv(signIn.clientSecretEnv);
    if (clientSecret === undefined) {
      throw new InputError('validation_failed', 'the console client secret is not set', [
        {
          path: 'identity.console.clientSecretEnv',
          message: `environment variable ${signIn.clientSecretEnv} is unset or empty`,
        },
      ]);
    }
  }
  const sessions = createSessionCodec({
    secret: loadSessionSecret(config.signing.keysDir),
    clock,
    ttlMs: signIn.sessionTtlMs,
    rbac,
  });
  return { oidc, console: { config: signIn, clientSecret, verifier: oidc, sessions } };
}
