/**
 * Delivers a deployment's review to GitHub as the GitHub App installation: the app's JWT (RS256,
 * signed with its private key) buys an installation access token
 * (`POST /app/installations/{id}/access_tokens`, cached until near its expiry by
 * @octokit/auth-app), which then authenticates `POST /repos/{owner}/{repo}/actions/runs/{run_id}/
 * deployment_protection_rule` with `{environment_name, state, comment}`.
 */
import { createAppAuth } from '@octokit/auth-app';
import { request as octokitRequest } from '@octokit/request';
import type { DeliverySender } from '../../services/ports.js';
import type { GithubCallbackPayload } from './protection-rule.js';

export interface GithubAppCredentials {
  readonly appId: string;
  /**
   * Reads the PEM (PKCS#1 or PKCS#8) when the first callback is sent; undefined when it is not
   * there (the attempt fails as `missing_secret` and is retried, like a notification's secret).
   */
  readonly privateKey: () => string | undefined;
  /** REST API base, e.g. `https://api.github.com`. */
  readonly apiUrl: string;
}

function parsePayload(text: string): GithubCallbackPayload {
  const p = JSON.parse(text) as Partial<GithubCallbackPayload>;
  if (
    typeof p.linkId !== 'string' ||
    typeof p.installationId !== 'string' ||
    typeof p.repository !== 'string' ||
    typeof p.runId !== 'string' ||
    (p.state !== 'approved' && p.state !== 'rejected')
  ) {
    throw new TypeError('outbox payload is not a GitHub deployment review');
  }
  return p as GithubCallbackPayload;
}

function statusOf(err: unknown): number | null {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 100 && status <= 599 ? status : null;
}

/**
 * The outbox sender of `github_deployment` rows.
 *
 * @example
 * ```ts
 * createDeliveryWorker({ ...opts, senders: { github_deployment: createGithubCallbackSender(app) } });
 * ```
 */
export function createGithubCallbackSender(app: GithubAppCredentials): DeliverySender {
  const request = octokitRequest.defaults({
    baseUrl: app.apiUrl,
    headers: { 'user-agent': 'countersign' },
  });
  let auth: ReturnType<typeof createAppAuth> | null = null;
  return {
    async send(payloadText, opts) {
      const p = parsePayload(payloadText);
      const target = `github:${p.repository}/actions/runs/${p.runId} (${p.environmentName})`;
      const started = performance.now();
      const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
      const done = (responseStatus: number | null, error: string | null) => ({
        responseStatus,
        error,
        durationMs: Math.round(performance.now() - started),
        target,
      });
      if (auth === null) {
        const privateKey = app.privateKey();
        if (privateKey === undefined) return done(null, 'missing_secret');
        auth = createAppAuth({ appId: app.appId, privateKey, request });
      }
      try {
        const { token } = await auth({
          type: 'installation',
          installationId: Number(p.installationId),
        });
        const [owner, repo] = p.repository.split('/');
        const res = await request(
          'POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule',
          {
            owner: owner as string,
            repo: repo as string,
            run_id: Number(p.runId),
            environment_name: p.environmentName,
            state: p.state,
            comment: p.comment,
            headers: { authorization: `token ${token}` },
            request: { signal },
          },
        );
        return done(res.status, null);
      } catch (err) {
        if (signal.aborted) return done(null, opts.signal.aborted ? 'aborted' : 'timeout');
        const status = statusOf(err);
        // Octokit reports a failed fetch as status 500: that is no answer from GitHub
        const name = (err as { name?: unknown }).name;
        if (status === 500 && name === 'HttpError' && !(err as { response?: unknown }).response) {
          return done(null, 'network_error');
        }
        return done(status, status === null ? 'network_error' : `http_${status}`);
      }
    },
    auditFields(payloadText) {
      const p = parsePayload(payloadText);
      return { ...p.audit, approvalRequired: p.audit.approvalId !== null };
    },
  };
}
