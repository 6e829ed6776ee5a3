/**
 * GitHub deployment protection rules on loopback: webhooks signed with @octokit/webhooks-methods
 * (as GitHub signs them) reach a real Countersign server; a loopback HTTP server stands in for
 * GitHub's API and asserts the exact requests: the installation token bought with a valid RS256
 * app JWT, then the review posted to the run's callback with that token.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sign } from '@octokit/webhooks-methods';
import { importSPKI, jwtVerify } from 'jose';
import { jcsHash } from '../../src/lib/hash.js';
import { startPolicyServer, type PolicyServer } from '../helpers/policy-server.js';

const POLICY = `
version: 1
environments:
  prod:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [release-managers] }
  dev:
    posture: dev
    sideEffects: allow
  locked:
    posture: prod
    sideEffects: deny
defaults:
  requestTtl: 1h
`;

const SECRET_ENV = 'COUNTERSIGN_TEST_GITHUB_WEBHOOK_SECRET';
const SECRET = `whsec-${randomUUID()}`;
const APP_ID = '314159';
const INSTALLATION = 7788;
const INSTALLATION_TOKEN = `ghs_${randomUUID().replace(/-/g, '')}`;

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** GitHub's API, as far as the app uses it; answers the callback with `callbackStatus(n)`. */
async function startFakeGithub(callbackStatus: (n: number) => number) {
  const seen: Seen[] = [];
  const waiters: { pred: (s: Seen[]) => boolean; resolve: () => void }[] = [];
  let callbacks = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(s);
      for (const w of waiters.filter((w) => w.pred(seen))) w.resolve();
      if (s.path === `/app/installations/${INSTALLATION}/access_tokens`) {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            token: INSTALLATION_TOKEN,
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            permissions: { deployments: 'write', actions: 'read' },
            repository_selection: 'all',
          }),
        );
        return;
      }
      if (/\/deployment_protection_rule$/.test(s.path)) {
        const status = callbackStatus(++callbacks);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 204 ? undefined : '{"message":"Server Error"}');
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"message":"Not Found"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  if (typeof addr !== 'object' || !addr) throw new Error('no address');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    seen,
    /** Resolves once the recorded requests satisfy `pred` (bounded). */
    until: (pred: (s: Seen[]) => boolean, ms = 15_000) =>
      new Promise<void>((resolve, reject) => {
        if (pred(seen)) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`fake GitHub saw ${JSON.stringify(seen.map((x) => x.path))}`)),
          ms,
        );
        waiters.push({
          pred,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('GitHub deployment protection rules', () => {
  let dir: string;
  let cs: PolicyServer;
  let github: Awaited<ReturnType<typeof startFakeGithub>>;
  let reviewer: string;
  let admin: string;
  let publicKeyPem: string;
  let runId = 1000;

  const sha = (n: number) => n.toString(16).padStart(40, 'a');

  function payload(environment: string, commit: string, run: number) {
    return {
      action: 'requested',
      environment,
      event: 'push',
      deployment_callback_url: `${github.url}/repos/acme/shop/actions/runs/${run}/deployment_protection_rule`,
      deployment: { id: run * 10, sha: commit, ref: 'refs/heads/main', environment },
      repository: { id: 1, full_name: 'acme/shop', name: 'shop', owner: { login: 'acme' } },
      installation: { id: INSTALLATION },
      sender: { login: 'octocat' },
    };
  }

  async function deliver(
    body: unknown,
    opts: { event?: string; signature?: string | null } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const text = JSON.stringify(body);
    const signature = opts.signature === undefined ? await sign(SECRET, text) : opts.signature;
    const res = await fetch(`${cs.url}/v1/integrations/github/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': opts.event ?? 'deployment_protection_rule',
        'x-github-delivery': randomUUID(),
        ...(signature === null ? {} : { 'x-hub-signature-256': signature }),
      },
      body: text,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function startCountersign(): Promise<PolicyServer> {
    return startPolicyServer({
      dir,
      policy: POLICY,
      extraYaml: [
        'notifications:',
        '  retry: { attempts: 5, initialDelay: 50ms, maxDelay: 100ms }',
        'integrations:',
        '  github:',
        `    appId: ${APP_ID}`,
        '    privateKeyFile: ./github-app.pem',
        `    webhookSecretEnv: ${SECRET_ENV}`,
        `    apiUrl: ${github.url}`,
        '    environments: { production: prod, preview: dev, frozen: locked }',
      ].join('\n'),
    });
  }

  const callbacksFor = (run: number) =>
    github.seen.filter(
      (s) => s.path === `/repos/acme/shop/actions/runs/${run}/deployment_protection_rule`,
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-github-'));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'github-app.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    process.env[SECRET_ENV] = SECRET;
    // the first callback of run 9003 fails with a 502 (retried), every other answer is 204
    let failedOnce = false;
    github = await startFakeGithub(() => {
      if (!failedOnce && github.seen.some((s) => s.path.includes('/runs/9003/'))) {
        failedOnce = true;
        return 502;
      }
      return 204;
    });
    cs = await startCountersign();
    reviewer = await cs.addKey('alice', ['approvals:review'], ['release-managers']);
    admin = await cs.addKey('admin', ['admin']);
  });
  after(async () => {
    await cs?.close();
    await github?.close();
    delete process.env[SECRET_ENV];
    rmSync(dir, { recursive: true, force: true });
  });

  test('a bad or missing signature is 401 and opens nothing', async () => {
    const body = payload('production', sha(1), ++runId);
    const forged = await sign('not-the-secret', JSON.stringify(body));
    for (const signature of [forged, null, 'sha256=00', await sign(SECRET, '{}')]) {
      const r = await deliver(body, { signature });
      assert.equal(r.status, 401);
      assert.equal(r.body.code, 'unauthenticated');
    }
    const list = await cs.api<{ items: unknown[] }>(admin, 'GET', '/v1/approvals');
    assert.deepEqual(list.body.items, []);
    assert.deepEqual(github.seen, []);
  });

  test('ping is answered; other events and unmapped environments are ignored', async () => {
    assert.equal(
      (await deliver({ zen: 'Keep it logically awesome.' }, { event: 'ping' })).status,
      200,
    );
    const other = await deliver({ action: 'created' }, { event: 'deployment' });
    assert.equal(other.status, 202);
    const unmapped = await deliver(payload('qa-sandbox', sha(2), ++runId));
    assert.deepEqual(unmapped, { status: 202, body: { ignored: 'environment_not_mapped' } });
  });

  test('requested → a request bound to the commit; approved → GitHub hears `approved` as the installation', async () => {
    const run = ++runId;
    const commit = sha(3);
    const r = await deliver(payload('production', commit, run));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.outcome, 'require_approval');
    const id = r.body.approvalId as string;
    const approval = await cs.api<{
      state: string;
      note: string;
      action: Record<string, unknown> & { specHash: string };
      requestedBy: { id: string };
    }>(reviewer, 'GET', `/v1/approvals/${id}`);
    assert.equal(approval.body.state, 'pending');
    assert.equal(
      approval.body.note,
      `Workflow run: https://github.com/acme/shop/actions/runs/${run}`,
    );
    assert.equal(approval.body.requestedBy.id, `github-app:${APP_ID}`);
    const spec = {
      repository: 'acme/shop',
      environment: 'production',
      ref: 'refs/heads/main',
      sha: commit,
    };
    assert.deepEqual(approval.body.action.spec, spec);
    assert.equal(approval.body.action.specHash, jcsHash(spec));
    assert.equal(approval.body.action.environment, 'prod');
    assert.equal(approval.body.action.project, 'acme/shop');
    assert.equal(approval.body.action.runId, String(run));
    assert.equal(github.seen.length, 0, 'GitHub hears nothing while the request is pending');

    // GitHub redelivers the same webhook: the same request, no second link
    const again = await deliver(payload('production', commit, run));
    assert.equal(again.body.approvalId, id);
    assert.equal(again.body.linked, false);

    await cs.api(reviewer, 'POST', `/v1/approvals/${id}/approve`, { reason: 'release 7' });
    await github.until(() => callbacksFor(run).length === 1);
    const [tokenReq, callback] = github.seen;
    assert.equal(tokenReq?.method, 'POST');
    assert.equal(tokenReq?.path, `/app/installations/${INSTALLATION}/access_tokens`);
    const jwt = /^bearer (.+)$/i.exec(tokenReq?.headers.authorization ?? '')?.[1] ?? '';
    const verified = await jwtVerify(jwt, await importSPKI(publicKeyPem, 'RS256'), {
      algorithms: ['RS256'],
    });
    assert.equal(String(verified.payload.iss), APP_ID);
    assert.equal(callback?.method, 'POST');
    assert.equal(callback?.headers.authorization, `token ${INSTALLATION_TOKEN}`);
    assert.deepEqual(JSON.parse(callback?.body ?? ''), {
      environment_name: 'production',
      state: 'approved',
      comment: `Approved in Countersign (${id}) by alice`,
    });
  });

  test('a reviewer denies → GitHub hears `rejected` with the reason', async () => {
    const run = ++runId;
    const r = await deliver(payload('production', sha(4), run));
    const id = r.body.approvalId as string;
    await cs.api(reviewer, 'POST', `/v1/approvals/${id}/deny`, { reason: 'failing canary' });
    await github.until(() => callbacksFor(run).length === 1);
    assert.deepEqual(JSON.parse(callbacksFor(run)[0]?.body ?? ''), {
      environment_name: 'production',
      state: 'rejected',
      comment: `Denied in Countersign (${id}) by alice: failing canary`,
    });
  });

  test('policy decides at once: deny → `rejected`, allow → `approved`, no request', async () => {
    const frozen = ++runId;
    const denied = await deliver(payload('frozen', sha(5), frozen));
    assert.equal(denied.body.outcome, 'deny');
    assert.equal(denied.body.approvalId, null);
    const preview = ++runId;
    const allowed = await deliver(payload('preview', sha(6), preview));
    assert.equal(allowed.body.outcome, 'allow');
    await github.until(
      () => callbacksFor(frozen).length === 1 && callbacksFor(preview).length === 1,
    );
    const f = JSON.parse(callbacksFor(frozen)[0]?.body ?? '') as Record<string, string>;
    assert.equal(f.state, 'rejected');
    assert.equal(f.environment_name, 'frozen');
    assert.match(f.comment ?? '', /action_denied_by_posture/);
    assert.equal(JSON.parse(callbacksFor(preview)[0]?.body ?? '').state, 'approved');
  });

  test('the link survives a restart, and a failed callback is retried until GitHub takes it', async () => {
    const run = 9003; // its first callback answer is a 502
    const r = await deliver(payload('production', sha(7), run));
    const id = r.body.approvalId as string;
    await cs.close();
    cs = await startCountersign();
    await cs.api(reviewer, 'POST', `/v1/approvals/${id}/approve`, { reason: 'after restart' });
    await github.until(() => callbacksFor(run).length === 2);
    assert.deepEqual(
      callbacksFor(run).map((c) => JSON.parse(c.body).state),
      ['approved', 'approved'],
    );
    // exactly two attempts: the 502, then the 204; nothing after a delivered callback
    // the worker records the answer just after GitHub sent it: wait (bounded) for that record
    let views = await cs.server.runtime.delivery.list(id);
    for (let i = 0; i < 200 && views.some((v) => v.status !== 'delivered'); i++) {
      await new Promise((r) => setTimeout(r, 25));
      views = await cs.server.runtime.delivery.list(id);
    }
    const gh = views.filter((d) => d.provider === 'github_deployment');
    assert.deepEqual(
      gh.map((d) => [d.status, d.attempts]),
      [['delivered', 2]],
    );
  });
});
