/**
 * The web console in headless Chromium (playwright-core + Debian chromium) against a real
 * `countersign serve` on loopback and a real OpenID Provider: SSO sign-in (authorization code +
 * PKCE) that survives a new tab, the queue, what changes (spec tree, diff against the last
 * approval, rule description, links), a second approval that meets quorum while the requester
 * watches live, approving in two clicks where policy makes the reason optional, keyboard
 * shortcuts, revoke and cancel, break-glass from policy choices with a readable confirmation,
 * the audit log newest first with filters and search, verified in the browser, the errors the
 * API answers (401/403/409), a phone-sized viewport and dark mode. One browser for all of it.
 * Screenshots are written to a temporary folder; COUNTERSIGN_UPDATE_SCREENSHOTS=1 writes them to
 * docs/screenshots/ instead (how the screenshots in the docs are refreshed).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { runCli, startCliServer } from '../helpers/cli.js';
import { startCodeProvider, type CodeProvider } from '../helpers/oidc-code-provider.js';
import { createHarness, deployAction, TEST_POLICY, type Harness } from '../helpers/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is not installed (apt-get install -y chromium): browser tests skipped`;
if (SKIP) console.log(`# SKIP console e2e: ${SKIP}`);

/** The policy of these tests: staging approves without a reason; prod deploys are described. */
const POLICY = TEST_POLICY.replace(
  '  staging:\n    posture: staging\n',
  '  staging:\n    posture: staging\n    approvalReason: optional\n',
).replace(
  '        approvers: { groups: [release-managers, sre], min: 2, mode: each }\n',
  '        approvers: { groups: [release-managers, sre], min: 2, mode: each }\n        description: Production deploys need a release manager and an SRE\n',
);

let sharedBrowser: Promise<Browser> | null = null;
/** One headless Chromium for every test in this file (contexts keep the people apart). */
function browserOnce(): Promise<Browser> {
  sharedBrowser ??= launch();
  return sharedBrowser;
}
after(async () => {
  if (sharedBrowser) await (await sharedBrowser).close();
});

const SHOTS =
  process.env.COUNTERSIGN_UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url))
    : join(tmpdir(), 'countersign-console-screenshots');
const WAIT = 15_000;
const CLIENT_ID = 'countersign-console';
const CLIENT_SECRET = 'console-e2e-client-secret-0123456789abcdef';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  });
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

describe(
  'web console in a real browser: SSO, review, live updates, break-glass, audit',
  { skip: SKIP },
  () => {
    let dir: string;
    let op: CodeProvider;
    let server: Awaited<ReturnType<typeof startCliServer>>;
    let browser: Browser;
    let base: string;
    const keys: Record<string, { key: string; id: string }> = {};
    let adminToken: string;
    const contexts: BrowserContext[] = [];

    const api = async (token: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(WAIT),
      });
      const json = (await res.json()) as Record<string, unknown>;
      assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const createRequest = async (action: object) =>
      (await api(keys['requester']!.key, 'POST', '/v1/approvals', { action })).id as string;

    async function newPage(): Promise<Page> {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      ctx.setDefaultTimeout(WAIT);
      contexts.push(ctx);
      return ctx.newPage();
    }

    async function signInWithSso(login: string): Promise<Page> {
      const page = await newPage();
      await page.goto(`${base}/console/`);
      await page.getByTestId('sso').click();
      await page.locator('input[name=login]').fill(login);
      await page.locator('input[name=password]').fill('any');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Continue' }).click(); // consent
      await page.waitForURL(`${base}/console/`);
      await page
        .getByTestId('who')
        .filter({ hasText: `${login}@example.com` })
        .waitFor();
      return page;
    }

    async function signInWithKey(name: string, key?: string): Promise<Page> {
      const page = await newPage();
      await page.goto(`${base}/console/sign-in`);
      await page.getByLabel('API key', { exact: true }).fill(key ?? keys[name]!.key);
      await page.getByRole('button', { name: 'Sign in with key' }).click();
      return page;
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'countersign-console-'));
      const init = await runCli(['init', '--json'], { cwd: dir });
      assert.equal(init.code, 0, init.stderr);
      adminToken = JSON.parse(init.stdout).adminToken as string;
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      op = await startCodeProvider(
        {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          redirectUri: `${base}/console/callback`,
        },
        {
          bob: { email: 'bob@example.com', groups: ['sre'] },
          ivan: { email: 'ivan@example.com', groups: ['incident-commanders', 'auditors'] },
        },
      );
      const cfgDir = join(dir, '.countersign');
      assert.notEqual(POLICY, TEST_POLICY);
      writeFileSync(join(cfgDir, 'policy.yaml'), POLICY);
      writeFileSync(
        join(cfgDir, 'countersign.yaml'),
        `server:
  listen: 127.0.0.1:${port}
  publicUrl: ${base}
store:
  url: sqlite:countersign.db
signing:
  issuer: countersign:console-e2e
  keysDir: keys
audit:
  origin: countersign.e2e/audit
  checkpointEvery: 500ms
policy:
  file: policy.yaml
identity:
  oidc:
    - issuer: ${op.issuer}
      audience: [countersign, ${CLIENT_ID}]
      jwksUri: ${op.jwksUri}
      algorithms: [RS256]
      groupsClaim: groups
  rbac:
    scopes:
      audit:read: [auditors]
  console:
    issuer: ${op.issuer}
    clientId: ${CLIENT_ID}
    clientSecretEnv: COUNTERSIGN_E2E_CONSOLE_SECRET
    redirectUri: ${base}/console/callback
    scopes: [openid, email, groups]
console:
  links:
    repository: https://github.com/{repository}
    run: https://github.com/{repository}/actions/runs/{runId}
    commit: https://github.com/{repository}/commit/{commit}
`,
      );
      server = await startCliServer(['serve', '--config', '.countersign/countersign.yaml'], {
        cwd: dir,
        env: {
          COUNTERSIGN_LISTEN: `127.0.0.1:${port}`,
          COUNTERSIGN_E2E_CONSOLE_SECRET: CLIENT_SECRET,
        },
      });
      for (const [name, scopes, groups] of [
        ['requester', ['approvals:request', 'audit:read'], []],
        ['alice', ['approvals:review'], ['release-managers']],
        ['carol', ['approvals:review'], ['release-managers']],
        ['dave', ['approvals:review'], ['sre']],
      ] as const) {
        const out = await api(adminToken, 'POST', '/v1/apikeys', { name, scopes, groups });
        keys[name] = { key: out.key as string, id: (out.apiKey as { id: string }).id };
      }
      browser = await browserOnce();
    });

    after(async () => {
      for (const c of contexts) await c.close().catch(() => undefined);
      await server?.stop();
      await op?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('SSO sign-in that survives a new tab, the queue, what changes, the second approval of a quorum seen live', async () => {
      // the approval this request follows: same environment, project and kind, approved earlier
      const before = await createRequest({
        ...deployAction('shop:1.4.2'),
        spec: { image: 'registry.example/shop:1.4.2', replicas: 3, migrate: false },
      });
      await api(keys['alice']!.key, 'POST', `/v1/approvals/${before}/approve`, { reason: 'ok' });
      await api(keys['dave']!.key, 'POST', `/v1/approvals/${before}/approve`, { reason: 'ok' });
      const id = await createRequest({
        ...deployAction('shop:2.0.0'),
        spec: {
          image: 'registry.example/shop:1.4.3',
          replicas: 5,
          migrate: false,
          commit: '0123abc4567def89',
        },
        workflow: 'release-train',
        repository: 'acme/shop',
        runId: '8812345',
        stepId: 'deploy-prod',
        riskTags: ['prod', 'write'],
        constraints: { maxRuntimeSec: 900 },
      });
      await createRequest({ ...deployAction('shop:2.0.1'), environment: 'staging' });
      await api(keys['alice']!.key, 'POST', `/v1/approvals/${id}/approve`, {
        reason: 'diff reviewed',
      });

      // the requester, signed in with a pasted API key, watches its own request
      const requester = await signInWithKey('requester');
      await requester.getByTestId('who').filter({ hasText: 'API key cs_' }).waitFor();
      await requester.goto(`${base}/console/approvals/${id}`);
      await requester
        .getByTestId('cannot-review')
        .filter({ hasText: 'you requested it' })
        .waitFor();
      assert.equal(await requester.getByTestId('state').first().textContent(), 'pending');
      await requester.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
      const stored = (await requester.evaluate(
        "({ session: sessionStorage.getItem('countersign.apiKey'), local: localStorage.length })",
      )) as { session: string | null; local: number };
      assert.equal(stored.session, keys['requester']!.key);
      assert.equal(stored.local, 0, 'nothing in localStorage');
      // a pasted key is per tab: a new tab of the same browser asks again
      const requesterTab = await requester.context().newPage();
      await requesterTab.goto(`${base}/console/`);
      await requesterTab.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      await requesterTab.close();

      // bob (sre) signs in through the identity provider; the request waits for him first
      const bob = await signInWithSso('bob');
      const mine = bob.getByTestId('queue-mine');
      await mine.locator(`tr[data-id="${id}"]`).waitFor();
      assert.match(await mine.locator(`tr[data-id="${id}"]`).innerText(), /1\/2/);
      await bob.getByTestId('queue-rest').waitFor();
      assert.equal(await bob.getByTestId('count-pending').textContent(), '2');
      await shot(bob, 'console-queue.png');

      // the SSO session is an HttpOnly cookie: a new tab is signed in too
      const tab = await bob.context().newPage();
      await tab.goto(`${base}/console/audit`);
      await tab.getByTestId('who').filter({ hasText: 'bob@example.com' }).waitFor();
      assert.equal(await tab.evaluate('document.cookie.includes("countersign_session")'), false);
      await tab.close();

      // a new request reaches the open queue over the list-wide event stream, without a reload
      const pushed = await createRequest({
        kind: 'restart',
        environment: 'prod',
        project: 'shop',
        target: 'k8s/prod/search',
        spec: { restart: 'rolling' },
      });
      await mine.locator(`tr[data-id="${pushed}"]`).waitFor();
      assert.equal(await bob.getByTestId('count-pending').textContent(), '3');

      await mine.locator(`tr[data-id="${id}"] a.row-link`).click();
      await bob.waitForURL(`${base}/console/approvals/${id}`);
      await bob.getByText('Still needed from:').waitFor();
      // what changes, first: the diff against the last approval, in words
      const diff = bob.getByTestId('spec-diff');
      await diff.filter({ hasText: 'replicas 3 → 5' }).waitFor();
      const diffText = await diff.innerText();
      assert.match(
        diffText,
        /image registry\.example\/shop:1\.4\.2 → registry\.example\/shop:1\.4\.3/,
      );
      assert.match(diffText, /commit added: 0123abc4567def89/);
      assert.doesNotMatch(diffText, /migrate/, 'unchanged fields are not listed');
      assert.match(await bob.getByTestId('spec').innerText(), /replicas\s*:\s*5/);
      assert.equal(
        await bob.getByTestId('rule-description').textContent(),
        'Production deploys need a release manager and an SRE',
      );
      // links from console.links templates, values encoded, only http(s)
      const links = bob.getByTestId('links');
      assert.equal(
        await links.getByRole('link', { name: 'acme/shop' }).getAttribute('href'),
        'https://github.com/acme/shop',
      );
      assert.equal(
        await links.getByRole('link', { name: '8812345 / deploy-prod' }).getAttribute('href'),
        'https://github.com/acme/shop/actions/runs/8812345',
      );
      assert.equal(
        await links.getByRole('link', { name: '0123abc4567def89' }).getAttribute('href'),
        'https://github.com/acme/shop/commit/0123abc4567def89',
      );
      const page = await bob.locator('main').innerText();
      for (const needle of [
        'release-train',
        'Matched rule',
        'maxRuntimeSec',
        'Exact bindings',
        'deploy',
        'alice',
        '1 of 2 approvals',
      ]) {
        assert.ok(page.includes(needle), `detail shows ${needle}`);
      }
      // one display name per principal: history names alice as the quorum does, with a time zone
      const history = await bob.getByTestId('history').innerText();
      assert.match(history, /reviewed by alice/);
      assert.doesNotMatch(history, /apikey:/);
      assert.match(history, /\((?:in |now|\d+ (?:sec|min)\.? ago)/, 'relative times');
      assert.match(history, /UTC|GMT/, 'times carry their zone');
      await bob.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
      await shot(bob, 'console-detail.png');

      // keyboard only: reason, then Tab to Approve and press Enter
      await bob.locator('#review-reason').fill('on call, rollout plan checked');
      await bob.keyboard.press('Tab');
      await bob.keyboard.press('Enter');
      await bob.getByTestId('success').filter({ hasText: 'Quorum is met' }).waitFor();
      assert.equal(await bob.getByTestId('state').first().textContent(), 'approved');

      // the requester's page changes without a reload
      await requester.getByTestId('state').filter({ hasText: 'approved' }).waitFor();
      await requester.getByTestId('progress').filter({ hasText: '2 of 2' }).waitFor();
      assert.equal(await requester.getByTestId('error').count(), 0);

      // dark mode follows the system setting
      await bob.emulateMedia({ colorScheme: 'dark' });
      const bg = (await bob.evaluate(
        'getComputedStyle(document.body).backgroundColor || getComputedStyle(document.documentElement).backgroundColor',
      )) as string;
      const dark = (await bob.evaluate(
        'getComputedStyle(document.documentElement).getPropertyValue("--bg").trim()',
      )) as string;
      assert.equal(dark, '#111418', `dark palette in use (${bg})`);
      await shot(bob, 'console-detail-dark.png');
      await bob.emulateMedia({ colorScheme: 'light' });
    });

    test('approve from the queue in two clicks where policy needs no reason; shortcuts; revoke and cancel', async () => {
      const quick = await createRequest({ ...deployAction('web:7.1.0'), environment: 'staging' });
      const carol = await signInWithKey('carol');
      const row = carol.getByTestId('queue-mine').locator(`tr[data-id="${quick}"]`);
      await row.waitFor();
      assert.match(await row.innerText(), /one-click approve/);
      // click 1: the request; click 2: Approve (staging: approvalReason optional)
      await row.locator('a.row-link').click();
      await carol.getByRole('button', { name: 'Approve' }).click();
      await carol.getByTestId('success').filter({ hasText: 'Quorum is met' }).waitFor();
      assert.equal(await carol.getByTestId('state').first().textContent(), 'approved');
      const approved = await api(adminToken, 'GET', `/v1/approvals/${quick}`);
      assert.equal((approved.reviews as { reason: string }[])[0]?.reason, '');

      // shortcuts: typing "a" and "d" in the reason box types them; outside it they act
      const viaKeys = await createRequest({ ...deployAction('web:7.2.0'), environment: 'staging' });
      await carol.goto(`${base}/console/approvals/${viaKeys}`);
      await carol.locator('#review-reason').fill('');
      await carol.locator('#review-reason').press('d');
      await carol.locator('#review-reason').press('a');
      assert.equal(await carol.locator('#review-reason').inputValue(), 'da');
      assert.equal(await carol.getByTestId('success').count(), 0);
      await carol.locator('#review-reason').fill('');
      await carol.locator('h1').focus();
      await carol.keyboard.press('d'); // a deny always needs a reason
      await carol
        .getByTestId('error')
        .filter({ hasText: 'a reason is required to deny' })
        .waitFor();
      await carol.locator('h1').focus();
      await carol.keyboard.press('?');
      await carol.getByTestId('shortcuts').waitFor();
      await carol.keyboard.press('a');
      await carol.getByTestId('success').filter({ hasText: 'Quorum is met' }).waitFor();

      // in prod the reason stays mandatory, in the console and on the server
      const prod = await createRequest({
        kind: 'restart',
        environment: 'prod',
        project: 'shop',
        target: 'k8s/prod/api',
        spec: { restart: 'rolling' },
      });
      const dave = await signInWithKey('dave');
      await dave.goto(`${base}/console/approvals/${prod}`);
      await dave.getByRole('button', { name: 'Approve' }).click();
      await dave
        .getByTestId('error')
        .filter({ hasText: 'a reason is required to approve' })
        .waitFor();
      const res = await fetch(`${server.url}/v1/approvals/${prod}/approve`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${keys['dave']!.key}`,
          'content-type': 'application/json',
        },
        body: '{}',
      });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { code: string }).code, 'validation_failed');

      // revoke: an approver of the request may; the button says so and asks why
      await carol.goto(`${base}/console/approvals/${quick}`);
      await carol.getByRole('button', { name: 'Revoke…' }).click();
      await carol.getByTestId('confirm-revoke').click();
      await carol
        .getByTestId('error')
        .filter({ hasText: 'a reason is required to revoke' })
        .waitFor();
      await carol
        .getByLabel('Why revoke? (required, recorded in the audit log)')
        .fill('wrong build');
      await carol.getByTestId('confirm-revoke').click();
      await carol.getByTestId('state').filter({ hasText: 'revoked' }).waitFor();
      await carol.getByTestId('history').filter({ hasText: 'revoked by carol' }).waitFor();

      // cancel: the requester may, while it is pending; a reviewer sees no such button
      const mistaken = await createRequest({
        ...deployAction('web:7.3.0'),
        environment: 'staging',
      });
      await carol.goto(`${base}/console/approvals/${mistaken}`);
      await carol.getByRole('button', { name: 'Approve' }).waitFor();
      assert.equal(await carol.getByRole('button', { name: 'Cancel request…' }).count(), 0);
      const requester = await signInWithKey('requester');
      await requester.getByTestId('who').filter({ hasText: 'API key' }).waitFor();
      await requester.goto(`${base}/console/approvals/${mistaken}`);
      await requester.getByRole('button', { name: 'Cancel request…' }).click();
      await requester.getByLabel('Why cancel? (optional)').fill('wrong version');
      await requester.getByTestId('confirm-cancel').click();
      await requester.getByTestId('state').filter({ hasText: 'cancelled' }).waitFor();
      // carol's open page follows live
      await carol.getByTestId('state').filter({ hasText: 'cancelled' }).waitFor();
    });

    test('break-glass with a confirmation step, its audit events verified in the browser', async () => {
      const ivan = await signInWithSso('ivan');
      await ivan.getByRole('link', { name: 'Break-glass' }).click();
      // the choices come from policy: environments that allow break-glass, their groups
      const envSelect = ivan.getByLabel('Environment');
      await envSelect.locator('option[value="locked"]').waitFor({ state: 'attached' });
      assert.deepEqual(
        await envSelect
          .locator('option')
          .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value)),
        ['', 'locked', 'prod'],
      );
      await envSelect.selectOption('prod');
      assert.deepEqual(
        await ivan
          .getByLabel('Approver group')
          .locator('option')
          .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value)),
        ['incident-commanders', 'release-managers', 'sre'],
      );
      assert.ok(
        (
          await ivan
            .locator('#bg-projects option')
            .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value))
        ).includes('shop'),
        'known projects are offered',
      );
      await ivan.getByLabel('Kind').fill('restart');
      await ivan.getByLabel('Project').fill('shop');
      await ivan.getByLabel('Target (optional)').fill('k8s/prod/shop');
      await ivan.getByLabel('Spec as JSON').fill('{"restart": "rolling", "replicas": 3}');
      // evidence is mandatory: submitting without it is refused in the form
      await ivan.getByRole('button', { name: 'Review break-glass…' }).click();
      await ivan.getByTestId('error').filter({ hasText: 'Reason: required' }).waitFor();
      await ivan.getByLabel('Reason', { exact: true }).fill('checkout is down, restart now');
      await ivan.getByLabel('Approver group').selectOption('sre');
      await ivan.getByLabel('Expires in').selectOption('30m');
      await ivan.getByLabel('External reference (incident id)').fill('INC-4242');
      await ivan.getByRole('button', { name: 'Review break-glass…' }).click();
      await ivan.getByRole('heading', { name: 'Confirm break-glass' }).waitFor();
      // a readable confirmation, not raw JSON
      const confirmText = await ivan.getByTestId('confirm-panel').innerText();
      assert.match(
        confirmText,
        /You are about to approve restart k8s\/prod\/shop in prod \/ shop at once/,
      );
      assert.match(confirmText, /sre \(its reviewers may revoke it\)/);
      assert.match(confirmText, /30m, until about/);
      assert.match(confirmText, /replicas: 3/);
      assert.doesNotMatch(confirmText, /\{"/);
      await shot(ivan, 'console-break-glass.png');
      await ivan.getByTestId('confirm-break-glass').click();
      await ivan.waitForURL(/\/console\/approvals\/apr/).catch(async (err: unknown) => {
        throw new Error(`${String(err)}\n${await ivan.locator('main').innerText()}`);
      });
      await ivan.getByRole('heading', { name: '⚠ Break-glass request' }).waitFor();
      assert.match(await ivan.locator('main').innerText(), /INC-4242/);
      const id = ivan.url().split('/').pop() as string;

      // it stands out in the queue too
      await ivan.goto(`${base}/console/?state=approved`);
      const row = ivan.locator(`tr[data-id="${id}"]`);
      await row.waitFor();
      assert.match((await row.getAttribute('class')) ?? '', /break-glass/);

      await ivan.goto(`${base}/console/approvals/${id}`);
      await ivan.getByRole('link', { name: 'Audit events for this request' }).click();
      await ivan.waitForURL(`${base}/console/audit?approval=${id}`);
      const events = ivan.getByTestId('audit-events');
      await events.getByText('approval.break_glass').waitFor();
      await events.locator('tr.break-glass').getByRole('button').first().click();
      const detail = await ivan.getByTestId('event-detail').innerText();
      for (const q of [
        'Who initiated',
        'ivan@example.com',
        'Environment / project',
        'prod / shop',
        'Approval required',
        'Which approval',
        id,
        'Which capabilities',
      ]) {
        assert.ok(detail.includes(q), `event detail shows ${q}`);
      }
      await ivan.getByTestId('checkpoint').waitFor();

      // checkpoints are signed every 500ms: verify until the newest event is covered
      let result = '';
      for (let i = 0; i < 20; i++) {
        await ivan.getByTestId('verify').click();
        const box = ivan.getByTestId('verify-result').locator('.alert');
        await box.waitFor();
        result = await box.innerText();
        if ((await box.getAttribute('data-ok')) === 'true') break;
        await new Promise((r) => setTimeout(r, 300));
      }
      assert.match(result, /^Verified: \d+ events? in the log signed at size \d+/);
      assert.match(result, /signature valid/);
      assert.match(result, /approval\.break_glass: included in the signed tree/);
      // newest first by default
      const order = await events
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-index'))));
      assert.ok(order.length >= 2 && order.every((v, i) => i === 0 || v < (order[i - 1] ?? 0)));
      await shot(ivan, 'console-audit.png');

      // the whole log: search and filters, kept in the URL
      await ivan.goto(`${base}/console/audit`);
      await ivan.getByTestId('audit-events').waitFor();
      await ivan.getByLabel('Search').fill('inc-4242');
      await ivan.getByLabel('Type').selectOption('approval.break_glass');
      await ivan.getByRole('button', { name: 'Apply filters' }).click();
      await ivan.waitForURL(/q=inc-4242/);
      await ivan.getByTestId('audit-events').getByText('1 event, newest first').waitFor();
      // the actor's name filters by that principal
      await ivan
        .getByTestId('audit-events')
        .getByRole('link', { name: 'ivan@example.com' })
        .click();
      await ivan.waitForURL(/actor=oidc/);
      await ivan.getByTestId('audit-events').getByText('1 event, newest first').waitFor();
      // a time range in the viewer's zone: nothing before the log began
      await ivan.goto(`${base}/console/audit?until=2000-01-01T00:00:00.000Z`);
      await ivan.getByText('No events match.').waitFor();
      await ivan.goto(`${base}/console/audit?approval=${id}`);
      await ivan.getByTestId('audit-events').waitFor();

      // the browser recomputes every leaf: the same events with their keys in another order still
      // verify (canonical JSON), and one changed field does not
      const rewrite = async (change: (e: Record<string, unknown>) => Record<string, unknown>) => {
        await ivan.unroute('**/v1/audit?*');
        await ivan.route('**/v1/audit?*', async (route) => {
          const res = await route.fetch();
          const page = (await res.json()) as {
            items: { index: number; event: Record<string, unknown> }[];
          };
          for (const item of page.items) item.event = change(item.event);
          await route.fulfill({ response: res, json: page });
        });
        await ivan.reload();
        await ivan.getByTestId('audit-events').waitFor();
        await ivan.getByTestId('verify').click();
        const box = ivan.getByTestId('verify-result').locator('.alert');
        await box.waitFor();
        return { ok: await box.getAttribute('data-ok'), text: await box.innerText() };
      };
      const reordered = await rewrite((e) => Object.fromEntries(Object.entries(e).reverse()));
      assert.equal(reordered.ok, 'true', reordered.text);
      const tampered = await rewrite((e) =>
        e.type === 'approval.break_glass' ? { ...e, outcome: 'denied' } : e,
      );
      assert.equal(tampered.ok, 'false', tampered.text);
      assert.match(tampered.text, /^Verification FAILED/);
      assert.match(tampered.text, /approval\.break_glass: NOT included/);
      await ivan.unroute('**/v1/audit?*');

      const download = ivan.waitForEvent('download');
      await ivan.getByTestId('evidence').click();
      assert.equal((await download).suggestedFilename(), `${id}.evidence.json`);

      // signing out ends the cookie session on the server (the logout carries the CSRF header)
      await ivan.getByRole('button', { name: 'Sign out' }).click();
      await ivan.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      await ivan.reload();
      await ivan.getByTestId('sso').waitFor();
      assert.equal(await ivan.getByTestId('who').textContent(), 'not signed in');
    });

    test('a refused API call is shown as an error, never a success: 403, 409 and 401', async () => {
      // 403: the requester is not in a break-glass group
      const requester = await signInWithKey('requester');
      await requester.getByTestId('who').filter({ hasText: 'API key' }).waitFor();
      await requester.goto(`${base}/console/break-glass`);
      await requester
        .getByTestId('no-break-glass')
        .filter({ hasText: 'You are in none of the groups' })
        .waitFor();
      await requester.getByLabel('Environment').selectOption('prod');
      await requester.getByLabel('Project').fill('shop');
      await requester.getByLabel('Spec as JSON').fill('{"restart": "all"}');
      await requester.getByLabel('Reason', { exact: true }).fill('not mine to break');
      await requester.getByLabel('Approver group').selectOption('sre');
      await requester.getByLabel('External reference (incident id)').fill('INC-1');
      await requester.getByRole('button', { name: 'Review break-glass…' }).click();
      await requester.getByTestId('confirm-break-glass').click();
      await requester.getByTestId('error').filter({ hasText: '403 forbidden' }).waitFor();
      assert.match(requester.url(), /\/console\/break-glass$/);

      // 409: carol denies while alice has the page open; alice's approve is refused
      const id409 = await createRequest({ ...deployAction('shop:3.0.0'), environment: 'staging' });
      const alice = await signInWithKey('alice');
      await alice.getByTestId('who').filter({ hasText: 'API key' }).waitFor();
      // a stale page: no live updates reach it, so it still offers the approve button
      await alice.route('**/v1/approvals/*/events', (route) => route.abort());
      await alice.goto(`${base}/console/approvals/${id409}`);
      await alice.locator('#review-reason').fill('looks fine');
      await api(keys['carol']!.key, 'POST', `/v1/approvals/${id409}/deny`, {
        reason: 'wrong window',
      });
      await alice.getByRole('button', { name: 'Approve' }).click();
      const err409 = alice.getByTestId('error');
      await err409.waitFor();
      assert.match(await err409.innerText(), /409 approval_not_pending[\s\S]*already decided/);
      assert.equal(await alice.getByTestId('success').count(), 0);
      await alice.getByTestId('state').filter({ hasText: 'denied' }).waitFor();

      // 401: dave's key is revoked while he has the page open; the console asks to sign in again
      const id401 = await createRequest({
        kind: 'restart',
        environment: 'prod',
        project: 'shop',
        target: 'k8s/prod/cart',
        spec: { restart: 'rolling' },
      });
      const dave = await signInWithKey('dave');
      await dave.getByTestId('who').filter({ hasText: 'API key' }).waitFor();
      await dave.goto(`${base}/console/approvals/${id401}`);
      await dave.getByLabel('Reason (recorded in the audit log)').fill('restart is safe');
      await api(adminToken, 'POST', `/v1/apikeys/${keys['dave']!.id}/revoke`, {});
      await dave.getByRole('button', { name: 'Approve' }).click();
      await dave.getByTestId('error').filter({ hasText: '401 unauthenticated' }).waitFor();
      await dave.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      assert.equal(await dave.getByTestId('success').count(), 0);
      assert.equal(await dave.evaluate("sessionStorage.getItem('countersign.apiKey')"), null);
      const still = await api(adminToken, 'GET', `/v1/approvals/${id401}`);
      assert.equal(still.state, 'pending');

      // a pasted key the server refuses never signs anyone in
      const wrong = await signInWithKey('nobody', 'cs_notakey_000000000000');
      await wrong.getByTestId('error').filter({ hasText: '401 unauthenticated' }).waitFor();
      assert.equal(await wrong.getByTestId('who').textContent(), 'not signed in');
    });

    test('phone-sized viewport: the queue stacks into cards and stays usable', async () => {
      const ctx = await browser.newContext({
        viewport: { width: 390, height: 844 },
        isMobile: true,
      });
      contexts.push(ctx);
      ctx.setDefaultTimeout(WAIT);
      const phone = await ctx.newPage();
      await phone.goto(`${base}/console/sign-in`);
      await phone.getByLabel('API key', { exact: true }).fill(keys['alice']!.key);
      await phone.getByRole('button', { name: 'Sign in with key' }).click();
      await phone.getByRole('heading', { name: 'Approval queue' }).waitFor();
      const width = (await phone.evaluate('document.documentElement.scrollWidth')) as number;
      assert.ok(width <= 400, `no horizontal scrolling (${width}px)`);
      await shot(phone, 'console-queue-phone.png');
      // a request on the phone: what changes comes first, the approve button is there
      const id = await createRequest({
        ...deployAction('shop:9.9.9'),
        environment: 'staging',
        spec: { image: 'registry.example/shop:9.9.9', replicas: 2 },
      });
      await phone.goto(`${base}/console/approvals/${id}`);
      await phone.getByTestId('spec').waitFor();
      await phone.getByRole('button', { name: 'Approve' }).waitFor();
      const w = (await phone.evaluate('document.documentElement.scrollWidth')) as number;
      assert.ok(w <= 400, `no horizontal scrolling on a request (${w}px)`);
      const [changesTop, reviewTop] = (await phone.evaluate(
        "[document.querySelector('.what-changes').getBoundingClientRect().top, document.querySelector('.review').getBoundingClientRect().top]",
      )) as [number, number];
      assert.ok(changesTop < reviewTop, 'what changes comes before the review on a phone');
      await phone.emulateMedia({ colorScheme: 'dark' });
      await shot(phone, 'console-detail-phone-dark.png');
    });
  },
);

describe('web console in devMode', { skip: SKIP }, () => {
  let h: Harness;
  let browser: Browser;
  let url: string;
  before(async () => {
    h = await createHarness({ devMode: true });
    h.clock.set(Date.now());
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await browserOnce();
  });
  after(async () => {
    await h?.close();
  });

  test('a banner says anyone can act, and a dev user can review', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: { 'x-countersign-dev-user': 'pipeline' },
      payload: { action: { ...deployAction('dev:1'), environment: 'staging' } },
    });
    assert.equal(res.statusCode, 201, res.body);
    const ctx = await browser.newContext();
    ctx.setDefaultTimeout(WAIT);
    const page = await ctx.newPage();
    await page.goto(`${url}/console/`);
    await page.getByTestId('dev-banner').filter({ hasText: 'anyone can act' }).waitFor();
    // the banner shows as soon as a response says dev mode, the user once sign-in is restored
    await page.getByTestId('who').filter({ hasText: 'dev:dev' }).waitFor();
    assert.equal(await page.getByTestId('who').textContent(), 'dev:dev');
    await page.getByTestId('queue-mine').locator('a.row-link').click();
    await page.getByLabel('Reason (recorded in the audit log)').fill('demo');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('success').waitFor();
    assert.equal(await page.getByTestId('state').first().textContent(), 'approved');
    await ctx.close();
  });
});
