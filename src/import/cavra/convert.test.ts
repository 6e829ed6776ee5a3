import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePolicy } from '../../policy/policy-schema.js';
import { policyDocument } from './fragments.js';
import { CavraFileError } from './notes.js';
import { convertOidc, INLINE_JWKS_FILE } from './oidc.js';
import { convertProviders } from './providers.js';
import { convertRbac } from './rbac.js';
import { CAVRA_DEFAULT_ROUTING, convertRouting } from './routing.js';

const refuses = (fn: () => unknown, message: string) =>
  assert.throws(fn, (err: unknown) => err instanceof CavraFileError && err.message === message);

describe('convertRouting', () => {
  const rule = { rule_id_prefix: 'filesystem.write', target_contains: 'iam/', approver_group: 'X' };

  it('accepts a bare list, {approval_routing}, {routing_rules}', () => {
    for (const doc of [[rule], { approval_routing: [rule] }, { routing_rules: [rule] }]) {
      assert.deepEqual(convertRouting(doc, 'f').routing, [
        {
          id: 'cavra.routing.1',
          match: { ruleIdPrefix: 'filesystem.write', targetContains: 'iam/' },
          approverGroup: 'X',
        },
      ]);
    }
  });

  it("refuses what CAVRA refuses, with CAVRA's messages", () => {
    refuses(
      () => convertRouting({ rules: [rule] }, 'f'),
      'approval routing file must contain a list of rules',
    );
    refuses(() => convertRouting('x', 'f'), 'approval routing file must contain a list of rules');
    refuses(
      () => convertRouting([{ rule_id: 'a' }], 'f'),
      'each approval routing rule must include approver_group',
    );
    refuses(
      () => convertRouting([{ rule_id: 'a', approver_group: '' }], 'f'),
      'each approval routing rule must include approver_group',
    );
  });

  it('ignores falsy keys, maps every key, and leaves out rules it cannot express', () => {
    const { routing, notes } = convertRouting(
      [
        { rule_id: '', severity: null, action_type: 'write_file', approver_group: 'A' },
        { rule_id: 'r', severity: 'high', approver_group: 'B' },
        { policy_pack: 'p', approver_group: 'C' },
        { severity: 'urgent', approver_group: 'D' },
        { colour: 'red', approver_group: 'E' },
      ],
      'f',
    );
    assert.deepEqual(
      routing.map((r) => [r.id, r.match, r.approverGroup]),
      [
        ['cavra.routing.1', { kind: 'write_file' }, 'A'],
        ['cavra.routing.2', { ruleId: 'r', severity: 'high' }, 'B'],
        ['cavra.routing.5', {}, 'E'],
      ],
    );
    assert.deepEqual(
      notes.list.map((n) => [n.path, n.kind]),
      [
        ['rules[2].policy_pack', 'unmapped'],
        ['rules[3].severity', 'unmapped'],
        ['rules[4].colour', 'unmapped'],
      ],
    );
  });

  it("converts CAVRA's default rules into a policy that loads", () => {
    const { routing, notes } = convertRouting([...CAVRA_DEFAULT_ROUTING], 'defaults');
    assert.equal(routing.length, 5);
    assert.ok(notes.list.some((n) => n.kind === 'changed' && /blocked command/.test(n.message)));
    const policy = parsePolicy(policyDocument('prod', routing));
    assert.equal(policy.routing.length, 5);
  });
});

describe('convertProviders', () => {
  it('carries *_env names over and never repeats a secret written in the file', () => {
    const { providers, notes } = convertProviders(
      {
        providers: {
          slack: { url: 'https://hooks.slack.com/services/T0/B0/SECRETSECRET' },
          teams: { url_env: 'TEAMS_URL', headers: { 'x-api-key': 'k3y-value' } },
          webhook: { url_env: 'HOOK_URL', token: 'tok-value' },
          jira: { url: 'https://jira.example/rest/api/3/issue', token_env: 'JIRA_TOKEN' },
          servicenow: { url: 'https://sn.example', token_env: 'SN' },
          pagerduty: { url_env: 'PD' },
          off: { enabled: false, url_env: 'X' },
        },
      },
      'p.yaml',
    );
    assert.deepEqual(providers, {
      teams: { urlEnv: 'TEAMS_URL' },
      webhook: { urlEnv: 'HOOK_URL', secretEnv: 'COUNTERSIGN_WEBHOOK_SECRET' },
    });
    const text = JSON.stringify(notes.list);
    for (const secret of ['SECRETSECRET', 'k3y-value', 'tok-value'])
      assert.ok(!text.includes(secret));
    const paths = notes.list.map((n) => n.path);
    for (const p of [
      'slack',
      'teams.headers',
      'webhook.token',
      'jira',
      'servicenow',
      'pagerduty',
      'off',
    ]) {
      assert.ok(paths.includes(`approval_providers.${p}`), p);
    }
  });

  it('maps Jira once a project key is given', () => {
    const { providers } = convertProviders(
      {
        approval_providers: { jira: { url: 'https://j.example/rest/api/3/issue', token_env: 'T' } },
      },
      'p',
      { jiraProject: 'OPS' },
    );
    assert.deepEqual(providers, {
      jira: { url: 'https://j.example/rest/api/3/issue', tokenEnv: 'T', project: 'OPS' },
    });
  });

  it("refuses what CAVRA refuses, with CAVRA's messages", () => {
    refuses(() => convertProviders([], 'p'), 'approval provider config must be an object');
    refuses(
      () => convertProviders({ a: 1 }, 'p'),
      'approval provider config must contain provider objects',
    );
    refuses(
      () => convertProviders({ slack: { url_env: 'X' }, teams: 'x' }, 'p'),
      'approval provider teams config must be an object',
    );
  });
});

describe('convertOidc', () => {
  const dirs = { configDir: '/srv/app/.cavra', outDir: '/srv/app' };

  it('resolves jwks_path against the config file directory, relative to the output', () => {
    const r = convertOidc(
      { issuer: 'https://i', audience: ['a', 'b'], jwks_path: 'keys.json' },
      'o',
      dirs,
    );
    assert.deepEqual(r.oidc, {
      issuer: 'https://i',
      audience: ['a', 'b'],
      jwksFile: '.cavra/keys.json',
      algorithms: ['RS256'],
      groupsClaim: 'groups',
      leeway: '60s',
    });
    assert.deepEqual(r.jwks, { path: '.cavra/keys.json', source: '/srv/app/.cavra/keys.json' });
  });

  it('writes an inline key set to a file and caps the leeway at 5 minutes', () => {
    const r = convertOidc(
      { issuer: 'https://i', audience: 'a', jwks: { keys: [] }, leeway_seconds: 900 },
      'o',
      dirs,
    );
    assert.equal(r.oidc.jwksFile, INLINE_JWKS_FILE);
    assert.ok('content' in r.jwks && JSON.parse(r.jwks.content).keys);
    assert.equal(r.oidc.leeway, '300s');
  });

  it("refuses what CAVRA refuses, with CAVRA's messages", () => {
    refuses(() => convertOidc([], 'o', dirs), 'approval OIDC config file must contain an object');
    refuses(
      () => convertOidc({ issuer: 'https://i', audience: 'a' }, 'o', dirs),
      'approval OIDC config must include issuer, audience, and jwks or jwks_path',
    );
  });
});

describe('convertRbac', () => {
  it('maps actions approved/denied, and a repository-less rule to group mappings', () => {
    const { rbac, notes } = convertRbac(
      {
        group_mappings: { 'gh:owners': 'Owners' },
        repositories: [
          { repository: 'r/a', approver_group: 'IAM', groups: ['Owners'], actions: ['approve'] },
          { approver_group: 'Release', groups: ['Owners'] },
          { approver_group: 'Solo', groups: ['Owners'], actions: ['denied'] },
          { repository: 'r/b', groups: ['Owners'] },
          { groups: ['Owners'] },
          { repository: 'r/c', approver_group: 'X', groups: ['Owners'], actions: ['expired'] },
        ],
      },
      'rbac.yaml',
    );
    assert.deepEqual(rbac.repositoryPermissions, [
      { repository: 'r/a', approverGroup: 'IAM', groups: ['Owners'], actions: ['approve'] },
    ]);
    // members of Owners (and the external group mapped to it) now hold Release
    assert.deepEqual(rbac.groupMappings, {
      'gh:owners': ['Owners', 'Release'],
      Owners: ['Release'],
    });
    const unmapped = notes.list.filter((n) => n.kind === 'unmapped').map((n) => n.path);
    assert.deepEqual(unmapped, [
      'repository_permissions[2]',
      'repository_permissions[3]',
      'repository_permissions[4]',
      'repository_permissions[5].actions',
    ]);
  });
});
