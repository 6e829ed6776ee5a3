import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecisionDraft } from '../domain/decision.js';
import { actionHash } from './action.js';
import { decisionDiffers, evaluate } from './evaluate.js';
import { parsePolicy } from './policy-schema.js';
import { parseRoutingFile } from './routing.js';
import { EXAMPLE_POLICY, makeAction } from './test-fixtures.js';

const policy = parsePolicy(EXAMPLE_POLICY);

function policyWith(prod: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return parsePolicy({
    version: 1,
    environments: { prod: { posture: 'prod', sideEffects: 'require_approval', ...prod } },
    ...extra,
  });
}

describe('evaluate: order of evaluation', () => {
  it('denies an unknown environment with unknown_environment', () => {
    const d = evaluate(policy, makeAction({ environment: 'moon' }));
    assert.equal(d.outcome, 'deny');
    assert.equal(d.reasonCode, 'unknown_environment');
    assert.equal(d.posture, null);
    assert.equal(d.matchedRule, null);
    assert.equal(d.environment, 'moon');
  });

  it('does not treat inherited object names as environments', () => {
    for (const environment of ['toString', 'constructor', 'hasOwnProperty']) {
      assert.equal(evaluate(policy, makeAction({ environment })).reasonCode, 'unknown_environment');
    }
  });

  it('lets a deny posture win over everything, dry-run and rules included', () => {
    for (const fields of [
      { kind: 'deploy' },
      { kind: 'read_file', target: 'x' },
      { kind: 'replay', mode: 'dry-run' },
      { kind: 'deploy', mode: 'dry-run' },
    ]) {
      const d = evaluate(policy, makeAction({ ...fields, environment: 'locked' }));
      assert.equal(d.outcome, 'deny', JSON.stringify(fields));
      assert.equal(d.reasonCode, 'action_denied_by_posture');
      assert.equal(d.matchedRule, 'environments.locked.sideEffects');
      assert.deepEqual(d.approverGroups, []);
      assert.equal(d.quorum, null);
    }
  });

  it('allows a dry-run of any kind without approval', () => {
    const d = evaluate(policy, makeAction({ kind: 'deploy', mode: 'dry-run' }));
    assert.equal(d.outcome, 'allow');
    assert.equal(d.reasonCode, 'dry_run_allowed');
    assert.equal(d.singleUse, false);
    assert.deepEqual(d.requiredCapabilities, ['deploy']);
  });

  it('allows a dry-run replay in an environment whose replay is dry_run_only', () => {
    const d = evaluate(
      policy,
      makeAction({ kind: 'replay', mode: 'dry-run', environment: 'staging' }),
    );
    assert.equal(d.reasonCode, 'dry_run_allowed');
    assert.equal(d.matchedRule, 'environments.staging.replay');
  });

  it('denies replay (dry-run and execute) where replay is disabled', () => {
    const p = policyWith({ replay: 'disabled', approvers: { groups: ['sre'] } });
    for (const mode of ['dry-run', 'execute']) {
      const d = evaluate(p, makeAction({ kind: 'replay', mode }));
      assert.equal(d.outcome, 'deny', mode);
      assert.equal(d.reasonCode, 'replay_disabled');
      assert.equal(d.matchedRule, 'environments.prod.replay');
    }
  });

  it('does not apply replay: disabled to other kinds', () => {
    const p = policyWith({ replay: 'disabled', approvers: { groups: ['sre'] } });
    assert.equal(
      evaluate(p, makeAction({ kind: 'deploy', mode: 'dry-run' })).reasonCode,
      'dry_run_allowed',
    );
    assert.equal(evaluate(p, makeAction({ kind: 'deploy' })).reasonCode, 'approval_required');
  });

  it('sends a dry-run replay down the approval path when dryRunReplayRequiresApproval is set', () => {
    const p = policyWith({
      dryRunReplayRequiresApproval: true,
      approvers: { groups: ['sre'] },
      actions: { replay: { outcome: 'allow', capabilities: ['replay.dry_run'] } },
    });
    const d = evaluate(p, makeAction({ kind: 'replay', mode: 'dry-run' }));
    assert.equal(d.outcome, 'require_approval');
    assert.equal(d.reasonCode, 'approval_required');
    assert.deepEqual(d.approverGroups, ['sre']);
    assert.equal(d.matchedRule, 'environments.prod.actions.replay');
    assert.equal(d.singleUse, false);
  });

  it('answers dry_run_only for an execute replay where replay is dry_run_only', () => {
    const d = evaluate(policy, makeAction({ kind: 'replay', environment: 'staging' }));
    assert.equal(d.outcome, 'dry_run_only');
    assert.equal(d.reasonCode, 'dry_run_only');
    assert.equal(d.matchedRule, 'environments.staging.replay');
  });

  it("uses the environment's actions[kind] entry before any rule", () => {
    const p = policyWith(
      { actions: { write_file: { approvers: { groups: ['prod-writers'] } } } },
      {
        rules: [{ id: 'iam', match: { kind: 'write_file' }, approvers: { groups: ['IAM'] } }],
      },
    );
    const d = evaluate(p, makeAction({ kind: 'write_file', target: 'iam/x' }));
    assert.equal(d.matchedRule, 'environments.prod.actions.write_file');
    assert.deepEqual(d.approverGroups, ['prod-writers']);
  });

  it('requires the quorum of a prod actions entry (two groups, mode each)', () => {
    const d = evaluate(policy, makeAction({ kind: 'replay', capabilities: ['extra'] }));
    assert.equal(d.outcome, 'require_approval');
    assert.equal(d.reasonCode, 'approval_required');
    assert.deepEqual(d.quorum, { min: 2, groups: ['sre', 'security'], mode: 'each' });
    assert.deepEqual(d.approverGroups, ['sre', 'security']);
    assert.deepEqual(d.requiredCapabilities, ['extra', 'replay.execute']);
    assert.equal(d.singleUse, true);
    assert.equal(
      d.reason,
      'environments.prod.actions.replay requires 2 approvals with at least one from each of sre, security',
    );
  });

  it('uses the first matching rule when the environment has no entry for the kind', () => {
    const d = evaluate(policy, makeAction({ kind: 'write_file', target: 'iam/admin.json' }));
    assert.equal(d.matchedRule, 'rules.filesystem.write.iam');
    assert.deepEqual(d.approverGroups, ['IAM']);
    assert.equal(d.severity, 'high');
    assert.deepEqual(d.riskTags, ['prod', 'write']);
    assert.deepEqual(d.requiredCapabilities, ['iam.write']);
  });

  it('matches rule targets by glob, including dot-directories, and not outside it', () => {
    const inside = evaluate(policy, makeAction({ kind: 'write_file', target: 'iam/.hidden/x' }));
    assert.equal(inside.matchedRule, 'rules.filesystem.write.iam');
    const escaped = evaluate(policy, makeAction({ kind: 'write_file', target: 'docs/../iam/x' }));
    assert.equal(escaped.matchedRule, 'rules.filesystem.write.iam');
    const outside = evaluate(policy, makeAction({ kind: 'write_file', target: 'src/app.ts' }));
    assert.equal(outside.matchedRule, 'environments.prod.sideEffects');
    const noTarget = evaluate(policy, makeAction({ kind: 'write_file' }));
    assert.equal(noTarget.matchedRule, 'environments.prod.sideEffects');
  });

  it('matches rules by risk tags (all present), environments and repository', () => {
    const p = parsePolicy({
      version: 1,
      environments: {
        prod: { posture: 'prod', sideEffects: 'allow' },
        dev: { posture: 'dev', sideEffects: 'allow' },
      },
      rules: [
        {
          id: 'secrets.prod',
          match: { riskTags: ['secrets', 'prod'], environments: ['prod'] },
          approvers: { groups: ['security'] },
        },
        {
          id: 'repo.payments',
          match: { repository: 'payments/api' },
          outcome: 'deny',
        },
      ],
    });
    const tagged = evaluate(p, makeAction({ kind: 'x', riskTags: ['secrets'] }));
    assert.equal(tagged.matchedRule, 'rules.secrets.prod', 'prod tag comes from the posture');
    const partial = evaluate(p, makeAction({ kind: 'x', riskTags: ['network'] }));
    assert.equal(partial.reasonCode, 'allowed_by_environment');
    const otherEnv = evaluate(
      p,
      makeAction({ kind: 'x', environment: 'dev', riskTags: ['secrets', 'prod'] }),
    );
    assert.equal(otherEnv.reasonCode, 'allowed_by_environment');
    const repo = evaluate(p, makeAction({ kind: 'x', repository: 'payments/api' }));
    assert.equal(repo.outcome, 'deny');
    assert.equal(repo.reasonCode, 'action_denied_by_posture');
    assert.equal(repo.matchedRule, 'rules.repo.payments');
  });

  it('allows by rule with allowed_by_rule', () => {
    const d = evaluate(policy, makeAction({ kind: 'read_file', target: 'README.md' }));
    assert.equal(d.outcome, 'allow');
    assert.equal(d.reasonCode, 'allowed_by_rule');
    assert.equal(d.matchedRule, 'rules.read.anything');
    assert.equal(d.quorum, null);
  });

  it('allows by environment default with allowed_by_environment', () => {
    const d = evaluate(policy, makeAction({ environment: 'dev' }));
    assert.equal(d.outcome, 'allow');
    assert.equal(d.reasonCode, 'allowed_by_environment');
    assert.equal(d.matchedRule, 'environments.dev.sideEffects');
    assert.equal(d.posture, 'dev');
    assert.deepEqual(d.riskTags, []);
  });

  it("requires the environment's approvers for the sideEffects default", () => {
    const d = evaluate(policy, makeAction({ kind: 'schema_change' }));
    assert.equal(d.outcome, 'require_approval');
    assert.equal(d.matchedRule, 'environments.prod.sideEffects');
    assert.deepEqual(d.quorum, { min: 1, groups: ['release-managers'], mode: 'any' });
  });

  it('denies with no_approver_group when approval resolves to no group (fail closed)', () => {
    const d = evaluate(policy, makeAction({ environment: 'staging' }));
    assert.equal(d.outcome, 'deny');
    assert.equal(d.reasonCode, 'no_approver_group');
    assert.equal(d.matchedRule, 'environments.staging.sideEffects');
    assert.equal(d.quorum, null);
  });

  it('falls back to environment approvers for an entry that names none', () => {
    const p = policyWith({
      approvers: { groups: ['release-managers'] },
      actions: { deploy: { outcome: 'require_approval', capabilities: ['deploy'] } },
    });
    assert.deepEqual(evaluate(p, makeAction()).approverGroups, ['release-managers']);
  });

  it('lets an entry without outcome follow the environment unless it names approvers', () => {
    const p = parsePolicy({
      version: 1,
      environments: {
        dev: {
          posture: 'dev',
          sideEffects: 'allow',
          actions: {
            deploy: { capabilities: ['deploy'] },
            iam_change: { approvers: { groups: ['IAM'] } },
          },
        },
      },
    });
    const deploy = evaluate(p, makeAction({ environment: 'dev' }));
    assert.equal(deploy.reasonCode, 'allowed_by_rule');
    const iam = evaluate(p, makeAction({ environment: 'dev', kind: 'iam_change' }));
    assert.equal(iam.reasonCode, 'approval_required');
  });
});

describe('evaluate: decision fields', () => {
  it('never lets the caller remove a policy-derived capability (superset only)', () => {
    const declared = evaluate(policy, makeAction({ capabilities: [] }));
    assert.deepEqual(declared.requiredCapabilities, ['deploy']);
    const more = evaluate(policy, makeAction({ capabilities: ['deploy', 'logs.read'] }));
    assert.deepEqual(more.requiredCapabilities, ['deploy', 'logs.read']);
  });

  it('binds the action hash to the union of declared and derived capabilities', () => {
    const action = makeAction({ capabilities: ['logs.read'] });
    const d = evaluate(policy, action);
    assert.equal(d.actionHash, actionHash(action, d));
    const explicit = makeAction({ capabilities: ['deploy', 'logs.read'] });
    assert.equal(d.actionHash, actionHash(explicit, evaluate(policy, explicit)));
  });

  it('does not change the action hash or outcome when context fields change', () => {
    const a = evaluate(policy, makeAction({ reason: 'a', runId: '1', workflow: 'ci' }));
    const b = evaluate(policy, makeAction({ reason: 'b', runId: '2', stepId: 's' }));
    assert.equal(a.actionHash, b.actionHash);
    assert.equal(decisionDiffers(a, b), false);
  });

  it('merges constraints with policy constraints winning', () => {
    const p = policyWith({
      actions: {
        deploy: {
          approvers: { groups: ['rm'] },
          constraints: { maxRuntimeSec: 900, region: 'eu' },
        },
      },
    });
    const d = evaluate(
      p,
      makeAction({ constraints: { maxRuntimeSec: 99999, maxLinesChanged: 500 } }),
    );
    assert.deepEqual(d.constraints, { maxRuntimeSec: 900, region: 'eu', maxLinesChanged: 500 });
  });

  it('takes the credential TTL from the entry, else policy defaults, else 1h', () => {
    assert.equal(evaluate(policy, makeAction()).credentialTtlSec, 3600);
    const p = policyWith(
      {
        approvers: { groups: ['rm'] },
        actions: { deploy: { credentialTtl: '15m', singleUse: false } },
      },
      { defaults: { credentialTtl: '2h' } },
    );
    assert.equal(evaluate(p, makeAction()).credentialTtlSec, 900);
    assert.equal(evaluate(p, makeAction()).singleUse, false);
    assert.equal(evaluate(p, makeAction({ kind: 'other' })).credentialTtlSec, 7200);
    assert.equal(
      evaluate(policyWith({ approvers: { groups: ['rm'] } }), makeAction()).credentialTtlSec,
      3600,
    );
  });

  it('defaults singleUse to true for execute and false for dry-run', () => {
    assert.equal(evaluate(policy, makeAction({ environment: 'dev' })).singleUse, true);
    assert.equal(
      evaluate(policy, makeAction({ environment: 'dev', mode: 'dry-run' })).singleUse,
      false,
    );
  });

  it('adds the prod risk tag and the entry risk tags to the action tags', () => {
    const d = evaluate(
      policy,
      makeAction({ kind: 'write_file', target: 'iam/x', riskTags: ['network'] }),
    );
    assert.deepEqual(d.riskTags, ['network', 'prod', 'write']);
  });

  it('fills every decision field', () => {
    const d = evaluate(policy, makeAction());
    assert.deepEqual(Object.keys(d).sort(), [
      'actionHash',
      'approverGroups',
      'constraints',
      'credentialTtlSec',
      'environment',
      'matchedRule',
      'outcome',
      'policySnapshot',
      'posture',
      'quorum',
      'reason',
      'reasonCode',
      'requiredCapabilities',
      'riskTags',
      'routedBy',
      'severity',
      'singleUse',
    ]);
    assert.equal(d.policySnapshot, policy.snapshot);
    assert.equal(d.posture, 'prod');
    assert.equal(d.routedBy, null);
    assert.equal(
      d.reason,
      'environments.prod.actions.deploy requires 1 approval from release-managers',
    );
  });
});

describe('evaluate: routing', () => {
  it('replaces the approver groups with the first matching policy routing rule', () => {
    const d = evaluate(
      policy,
      makeAction({ kind: 'write_file', target: 'iam/.github/workflows/ci.yml' }),
    );
    assert.deepEqual(d.approverGroups, ['Platform Security']);
    assert.deepEqual(d.quorum, { min: 1, groups: ['Platform Security'], mode: 'any' });
    assert.equal(d.routedBy, 'routing[0]');
    assert.equal(
      d.reason,
      'rules.filesystem.write.iam requires 1 approval, routed by routing[0] to Platform Security',
    );
    assert.doesNotMatch(d.reason, /\bIAM\b/, 'the reason names only the groups that review');
  });

  it('leaves unmatched decisions alone', () => {
    const d = evaluate(policy, makeAction({ kind: 'write_file', target: 'iam/role.json' }));
    assert.deepEqual(d.approverGroups, ['IAM']);
    assert.equal(d.routedBy, null);
  });

  it("uses the repository's routing file instead of the policy routing for that repository", () => {
    const repoRouting = parseRoutingFile(
      'routing:\n  - id: payments-iam\n    match: { kind: write_file }\n    approverGroups: [Payments Owners]\n',
    );
    const action = makeAction({
      kind: 'write_file',
      target: 'iam/.github/workflows/ci.yml',
      repository: 'payments/api',
    });
    const d = evaluate(policy, action, { repositoryRouting: repoRouting });
    assert.deepEqual(d.approverGroups, ['Payments Owners']);
    assert.equal(d.routedBy, 'repository:payments-iam');
    assert.equal(
      d.reason,
      'rules.filesystem.write.iam requires 1 approval, routed by repository:payments-iam to Payments Owners',
    );
  });

  it('does not fall back to the policy routing when the repository routing has no match', () => {
    const repoRouting = parseRoutingFile(
      'routing:\n  - match: { kind: deploy }\n    approverGroup: X\n',
    );
    const action = makeAction({
      kind: 'write_file',
      target: 'iam/.github/workflows/ci.yml',
      repository: 'payments/api',
    });
    const d = evaluate(policy, action, { repositoryRouting: repoRouting });
    assert.deepEqual(d.approverGroups, ['IAM']);
    assert.equal(d.routedBy, null);
  });

  it('ignores repository routing for actions without a repository', () => {
    const repoRouting = parseRoutingFile(
      'routing:\n  - match: { kind: write_file }\n    approverGroup: X\n',
    );
    const d = evaluate(
      policy,
      makeAction({ kind: 'write_file', target: 'iam/.github/workflows/ci.yml' }),
      { repositoryRouting: repoRouting },
    );
    assert.equal(d.routedBy, 'routing[0]');
  });

  it('keeps mode each meaningful when routing replaces the groups', () => {
    const p = policyWith(
      { actions: { replay: { approvers: { groups: ['sre', 'security'], mode: 'each' } } } },
      { routing: [{ match: { kind: 'replay' }, approverGroups: ['a', 'b', 'c'] }] },
    );
    const d = evaluate(p, makeAction({ kind: 'replay' }));
    assert.deepEqual(d.quorum, { min: 3, groups: ['a', 'b', 'c'], mode: 'each' });
    assert.equal(
      d.reason,
      'environments.prod.actions.replay requires 3 approvals with at least one from each group, routed by routing[0] to a, b, c',
    );
  });

  it("routes the environment default: the reason names the routed group, not the environment's", () => {
    const p = policyWith(
      { approvers: { groups: ['release-managers'] } },
      {
        routing: [
          { id: 'to-security', match: { kind: 'deploy' }, approverGroup: 'Platform Security' },
        ],
      },
    );
    const d = evaluate(p, makeAction({ kind: 'deploy', target: 'svc/api' }));
    assert.deepEqual(d.approverGroups, ['Platform Security']);
    assert.equal(d.routedBy, 'to-security');
    assert.match(d.reason, /routed by to-security to Platform Security$/);
    assert.doesNotMatch(d.reason, /release-managers/);
    for (const g of d.approverGroups) assert.ok(d.reason.includes(g));
  });

  it('routes by rule id, severity and risk tags, and never routes allow or deny', () => {
    const p = policyWith(
      {
        approvers: { groups: ['rm'] },
        actions: { deploy: { severity: 'critical', riskTags: ['db'] } },
      },
      {
        routing: [
          {
            id: 'by-id',
            match: { ruleId: 'environments.prod.actions.other' },
            approverGroup: 'no',
          },
          {
            id: 'crit',
            match: { severity: ['high', 'critical'], riskTags: ['db', 'prod'] },
            approverGroup: 'dba',
          },
        ],
      },
    );
    const d = evaluate(p, makeAction());
    assert.equal(d.routedBy, 'crit');
    assert.deepEqual(d.approverGroups, ['dba']);
    const dry = evaluate(p, makeAction({ mode: 'dry-run' }));
    assert.equal(dry.routedBy, null);
    assert.deepEqual(dry.approverGroups, []);
  });
});

describe('decisionDiffers', () => {
  const base: DecisionDraft = evaluate(policy, makeAction());

  it('is false for the same decision under an unrelated policy edit', () => {
    const edited = parsePolicy(
      EXAMPLE_POLICY.replace('maxRequestTtl: 720h', 'maxRequestTtl: 360h'),
    );
    const again = evaluate(edited, makeAction());
    assert.notEqual(again.policySnapshot, base.policySnapshot);
    assert.equal(decisionDiffers(base, again), false);
  });

  it('ignores group order', () => {
    assert.equal(
      decisionDiffers(
        {
          ...base,
          approverGroups: ['a', 'b'],
          quorum: { min: 1, groups: ['a', 'b'], mode: 'any' },
        },
        {
          ...base,
          approverGroups: ['b', 'a'],
          quorum: { min: 1, groups: ['b', 'a'], mode: 'any' },
        },
      ),
      false,
    );
  });

  it('is true when outcome, rule, capabilities, groups, quorum, risk tags or constraints differ', () => {
    const q = base.quorum;
    assert.ok(q);
    const variants: Partial<DecisionDraft>[] = [
      { outcome: 'allow' },
      { matchedRule: 'rules.other' },
      { riskTags: [...base.riskTags, 'write'] },
      { constraints: { ...base.constraints, max_runtime_sec: 1 } },
      { requiredCapabilities: ['deploy', 'more'] },
      { approverGroups: ['sre'] },
      { quorum: { ...q, min: 2 } },
      { quorum: { ...q, mode: 'each' } },
      { quorum: { ...q, groups: ['sre'] } },
      { quorum: null },
    ];
    for (const v of variants) {
      assert.equal(decisionDiffers(base, { ...base, ...v }), true, JSON.stringify(v));
    }
  });
});
