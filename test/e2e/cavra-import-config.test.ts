import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load-config.js';
import type { CountersignConfig } from '../../src/config/config-types.js';
import { policyDocument } from '../../src/import/cavra/fragments.js';
import { convertRouting } from '../../src/import/cavra/routing.js';
import { createOidcVerifier } from '../../src/identity/oidc.js';
import { effectiveReviewerGroups, mapGroups } from '../../src/identity/rbac.js';
import { systemClock } from '../../src/lib/clock.js';
import { providerRequest } from '../../src/notify/request-spec.js';
import { pendingApproval } from '../../src/notify/test-fixtures.js';
import { normalizeAction } from '../../src/policy/action.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { parsePolicy } from '../../src/policy/policy-schema.js';
import type { Policy } from '../../src/policy/policy-types.js';
import { runCli } from '../helpers/cli.js';
import {
  makeSigningKey,
  mintHs256WithPublicKey,
  mintToken,
  type SigningKey,
} from '../helpers/oidc-keys.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/cavra/project', import.meta.url));
const CONFIG_FILES = [
  'approval-routing.json',
  'approval-providers.yaml',
  'approval-oidc.json',
  'approval-rbac.yaml',
];

function decide(policy: Policy, fields: Record<string, unknown>) {
  return evaluate(
    policy,
    normalizeAction({ environment: 'prod', project: 'agent', spec: { fields }, ...fields }),
  );
}

/**
 * A CAVRA user's routing, provider, OIDC and RBAC files (test/fixtures/cavra, written from the
 * formats document) load after import and decide as the formats document says CAVRA decides.
 */
describe('import cavra: configuration files', () => {
  let dir: string;
  let key: SigningKey;
  let config: CountersignConfig;
  let policy: Policy;
  let report: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-cavra-config-'));
    mkdirSync(join(dir, 'project/.cavra/.cavra'), { recursive: true });
    for (const f of CONFIG_FILES)
      cpSync(join(FIXTURE, '.cavra', f), join(dir, 'project/.cavra', f));
    // CAVRA resolves jwks_path (.cavra/approval-jwks.json) against the OIDC config's directory
    key = await makeSigningKey('cavra-1', 'RS256');
    writeFileSync(
      join(dir, 'project/.cavra/.cavra/approval-jwks.json'),
      JSON.stringify({ keys: [key.publicJwk] }),
    );
    const r = await runCli(
      ['import', 'cavra', '--from', 'project', '--out', 'out', '--jira-project', 'OPS'],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    report = r.stdout;
    config = loadConfig({ file: join(dir, 'out/countersign.yaml'), env: {} });
    policy = parsePolicy(readFileSync(join(dir, 'out/policy.yaml'), 'utf8'), 'out/policy.yaml');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the report names every file converted and what changed meaning', () => {
    for (const f of CONFIG_FILES)
      assert.match(report, new RegExp(`converted .*${f.replace('.', '\\.')}`));
    assert.match(report, /wrote .*out\/countersign\.yaml/);
    assert.match(report, /groupsClaim: roles/);
  });

  test('routing file (F4 example): filesystem.write* on iam/ goes to Cloud IAM Owners', () => {
    const d = decide(policy, { kind: 'write_file', target: 'iam/admin-role.tf' });
    assert.equal(d.outcome, 'require_approval');
    assert.equal(d.matchedRule, 'rules.filesystem.write.require_approval');
    assert.deepEqual(d.approverGroups, ['Cloud IAM Owners']);
    assert.equal(d.routedBy, 'cavra.routing.1');
    assert.equal(d.severity, 'high');
  });

  test("a file replaces the defaults: unmatched approvals keep the decision's group", () => {
    const sec = decide(policy, { kind: 'write_file', target: 'security/scanner.yaml' });
    assert.deepEqual(sec.approverGroups, ['Platform Security']);
    assert.equal(sec.routedBy, null);
    const cmd = decide(policy, { kind: 'execute_command', target: 'make deploy' });
    assert.equal(cmd.matchedRule, 'rules.commands.default.require_approval');
    assert.deepEqual(cmd.approverGroups, ['Repository Owners']);
    assert.equal(cmd.severity, 'medium');
    // the baseline lets everything else through (F1)
    assert.equal(decide(policy, { kind: 'write_file', target: 'src/app.ts' }).outcome, 'allow');
  });

  test('without a routing file CAVRA routes by its defaults: iam/admin-role.tf goes to IAM', async () => {
    mkdirSync(join(dir, 'empty'));
    const r = await runCli(['import', 'cavra', '--from', 'empty', '--out', 'out-defaults'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(
      !existsSync(join(dir, 'out-defaults/countersign.yaml')),
      'no identity or providers to write',
    );
    const defaults = parsePolicy(readFileSync(join(dir, 'out-defaults/policy.yaml'), 'utf8'));
    // the router picks IAM even though the decision says Platform Security (F4 precedence)
    assert.deepEqual(
      decide(defaults, { kind: 'write_file', target: 'iam/admin-role.tf' }).approverGroups,
      ['IAM'],
    );
    // commands.default with severity medium → Repository Owners (default rule 3)
    assert.deepEqual(
      decide(defaults, { kind: 'execute_command', target: 'make deploy' }).approverGroups,
      ['Repository Owners'],
    );
    // the baseline asks no approval for workflow writes, so default rule 2 never applies
    assert.equal(
      decide(defaults, { kind: 'write_file', target: '.github/workflows/ci.yml' }).outcome,
      'allow',
    );
    // a security/ write matches no default route
    assert.deepEqual(
      decide(defaults, { kind: 'write_file', target: 'security/x.yaml' }).approverGroups,
      ['Platform Security'],
    );
  });

  test('an empty routing list disables routing (F4)', () => {
    const { routing } = convertRouting({ routing_rules: [] }, 'empty.json');
    const p = parsePolicy(policyDocument('prod', routing));
    assert.deepEqual(
      decide(p, { kind: 'write_file', target: 'iam/admin-role.tf' }).approverGroups,
      ['Platform Security'],
    );
  });

  test('RBAC (F6 example): Payments Owners may approve and deny IAM approvals of payments/api only', () => {
    const rbac = config.identity.rbac;
    const held = mapGroups(['github-team:payments-owners'], rbac);
    assert.deepEqual(held, ['Payments Owners', 'github-team:payments-owners']);
    const req = (approverGroups: string[], repository?: string) => ({
      approverGroups,
      action: repository === undefined ? {} : { repository },
    });
    for (const verdict of ['approve', 'deny'] as const) {
      assert.ok(
        effectiveReviewerGroups(req(['IAM'], 'payments/api'), held, verdict, rbac).includes('IAM'),
      );
    }
    assert.ok(
      !effectiveReviewerGroups(req(['IAM'], 'payments/web'), held, 'approve', rbac).includes('IAM'),
    );
    assert.ok(!effectiveReviewerGroups(req(['IAM']), held, 'approve', rbac).includes('IAM'));
    assert.ok(
      !effectiveReviewerGroups(
        req(['Platform Security'], 'payments/api'),
        held,
        'approve',
        rbac,
      ).includes('Platform Security'),
    );
    // without a repository rule, the approval group itself decides (F6 step 4)
    assert.ok(
      effectiveReviewerGroups(req(['IAM'], 'payments/web'), ['IAM'], 'approve', rbac).includes(
        'IAM',
      ),
    );
  });

  test('OIDC (F5 example): RS256 tokens from https://login.example for cavra-approvals, keys from jwks_path', async () => {
    const oidc = config.identity.oidc[0];
    assert.ok(oidc);
    assert.equal(oidc.issuer, 'https://login.example');
    assert.deepEqual(oidc.audience, ['cavra-approvals']);
    assert.equal(oidc.jwksFile, join(dir, 'project/.cavra/.cavra/approval-jwks.json'));
    assert.equal(oidc.leewayMs, 60_000);
    const verifier = createOidcVerifier(config.identity.oidc, config.identity.rbac, {
      clock: systemClock,
    });
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: 'https://login.example',
      aud: 'cavra-approvals',
      sub: 'owner@example.com',
      email: 'owner@example.com',
      groups: ['github-team:payments-owners'],
      iat: now,
      exp: now + 300,
    };
    const principal = await verifier.verify(await mintToken(key, claims));
    assert.ok(principal.groups.includes('Payments Owners'), 'group_mappings apply to token groups');
    await assert.rejects(
      verifier.verify(await mintToken(key, { ...claims, aud: 'other' })),
      /audience/,
    );
    await assert.rejects(
      verifier.verify(await mintToken(key, { ...claims, iss: 'https://evil.example' })),
      /issuer/,
    );
    await assert.rejects(
      verifier.verify(await mintToken(key, { ...claims, exp: now - 3600 })),
      /expired/,
    );
    await assert.rejects(
      verifier.verify(await mintHs256WithPublicKey(key, claims)),
      /algorithm|issuer|malformed/,
    );
    const other = await makeSigningKey('cavra-1', 'RS256');
    await assert.rejects(verifier.verify(await mintToken(other, claims)), /signature/);
  });

  test('providers (seed example): Slack from url_env, Jira with a Bearer token from token_env', () => {
    const providers = config.notifications.providers;
    assert.equal(providers.slack?.urlEnv, 'CAVRA_SLACK_WEBHOOK_URL');
    assert.equal(providers.slack?.botTokenEnv, null, 'an incoming webhook, not the Web API');
    assert.deepEqual(providers.jira, {
      url: 'https://jira.example/rest/api/3/issue',
      tokenEnv: 'JIRA_TOKEN',
      userEnv: null,
      project: 'OPS',
      issueType: 'Task',
    });
    const ctx = { consoleUrl: 'https://countersign.example/', config: config.notifications };
    const event = { kind: 'requested', at: '2026-11-21T13:04:53.262Z' } as const;
    const jira = providerRequest('jira', event, pendingApproval(), ctx);
    assert.equal(jira.url, 'https://jira.example/rest/api/3/issue');
    assert.equal(jira.headers.authorization, 'Bearer ${JIRA_TOKEN}');
    assert.equal(
      providerRequest('slack', event, pendingApproval(), ctx).url,
      '${CAVRA_SLACK_WEBHOOK_URL}',
    );
  });

  test("--out never overwrites, and a missing JWKS file is refused with CAVRA's message", async () => {
    const before = readFileSync(join(dir, 'out/countersign.yaml'), 'utf8');
    const again = await runCli(
      ['import', 'cavra', '--from', 'project', '--out', 'out', '--jira-project', 'OPS'],
      { cwd: dir },
    );
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists/);
    assert.equal(readFileSync(join(dir, 'out/countersign.yaml'), 'utf8'), before);
    rmSync(join(dir, 'project/.cavra/.cavra'), { recursive: true });
    const dry = await runCli(
      ['import', 'cavra', '--oidc', 'project/.cavra/approval-oidc.json', '--dry-run'],
      { cwd: dir },
    );
    assert.equal(dry.code, 2);
    assert.match(dry.stderr, /approval OIDC JWKS file not found: .*approval-jwks\.json/);
  });
});
