import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../errors/index.js';
import {
  applyRoute,
  approvalReason,
  findRoute,
  parseRoutingFile,
  routingMatches,
  ruleIdOf,
} from './routing.js';
import type { RoutingMatch } from './policy-types.js';
import type { RoutingSubject } from './routing.js';

const SUBJECT: RoutingSubject = {
  kind: 'write_file',
  ruleId: 'filesystem.write.iam',
  target: '.github/workflows/deploy.yml',
  riskTags: ['prod', 'write'],
  severity: 'high',
  repository: 'payments/api',
};

describe('parseRoutingFile', () => {
  it('reads a repository routing file and marks its rules as repository rules', () => {
    const rules = parseRoutingFile(
      [
        'version: 1',
        'routing:',
        '  - id: workflows',
        '    match: { targetGlob: ".github/workflows/**" }',
        '    approverGroups: [Platform Security, Payments Owners]',
        '  - match: { kind: deploy }',
        '    approverGroup: Payments Owners',
      ].join('\n'),
    );
    assert.equal(rules.length, 2);
    assert.equal(rules[0]?.id, 'repository:workflows');
    assert.deepEqual(rules[0]?.approverGroups, ['Platform Security', 'Payments Owners']);
    assert.equal(rules[1]?.id, 'repository:routing[1]');
    assert.deepEqual(rules[1]?.match.kind, ['deploy']);
  });

  it('refuses anything but routing rules, listing every error', () => {
    try {
      parseRoutingFile(
        'routing:\n  - match: { kind: deploy, colour: red }\n    approverGroup: A\n    approverGroups: [B]\nenvironments: {}\n',
        'repo/.countersign/routing.yaml',
      );
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof InputError);
      assert.equal(err.message, 'invalid routing file in repo/.countersign/routing.yaml');
      assert.deepEqual(err.errors, [
        { path: 'environments', message: 'unknown field' },
        { path: 'routing[0].match.colour', message: 'unknown field' },
        { path: 'routing[0]', message: 'use approverGroup or approverGroups, not both' },
      ]);
    }
  });

  it('requires the routing key and a list', () => {
    assert.throws(
      () => parseRoutingFile('version: 1\n'),
      (err: unknown) =>
        err instanceof InputError &&
        err.errors.length === 1 &&
        err.errors[0]?.path === 'routing' &&
        err.errors[0].message === 'is required',
    );
    assert.throws(
      () => parseRoutingFile('routing: {a: 1}\n'),
      (err: unknown) => err instanceof InputError && err.errors[0]?.message === 'must be a list',
    );
  });
});

describe('routingMatches', () => {
  const none: RoutingMatch = {
    kind: null,
    ruleId: null,
    ruleIdPrefix: null,
    targetGlob: null,
    targetContains: null,
    riskTags: [],
    severity: null,
    repository: null,
  };

  it('matches everything when the match is empty', () => {
    assert.equal(routingMatches(none, SUBJECT), true);
  });

  it('checks each field', () => {
    const cases: [Partial<RoutingMatch>, boolean][] = [
      [{ kind: ['write_file', 'deploy'] }, true],
      [{ kind: ['deploy'] }, false],
      [{ ruleId: 'filesystem.write.iam' }, true],
      [{ ruleId: 'filesystem.write' }, false],
      [{ ruleIdPrefix: 'filesystem.write' }, true],
      [{ ruleIdPrefix: 'mcp' }, false],
      [{ targetGlob: '.github/**' }, true],
      [{ targetGlob: 'src/**' }, false],
      [{ targetContains: 'workflows' }, true],
      [{ targetContains: 'iam' }, false],
      [{ riskTags: ['prod', 'write'] }, true],
      [{ riskTags: ['prod', 'secrets'] }, false],
      [{ severity: ['high', 'critical'] }, true],
      [{ severity: ['low'] }, false],
      [{ repository: 'payments/api' }, true],
      [{ repository: 'payments/web' }, false],
    ];
    for (const [m, expected] of cases) {
      assert.equal(routingMatches({ ...none, ...m }, SUBJECT), expected, JSON.stringify(m));
    }
  });

  it('does not match target rules when the action has no target', () => {
    const noTarget = { ...SUBJECT, target: undefined };
    assert.equal(routingMatches({ ...none, targetGlob: '**' }, noTarget), false);
    assert.equal(routingMatches({ ...none, targetContains: 'x' }, noTarget), false);
  });

  it('picks the first matching rule', () => {
    const rules = [
      { id: 'a', match: { ...none, kind: ['deploy'] }, approverGroups: ['A'] },
      { id: 'b', match: { ...none, kind: ['write_file'] }, approverGroups: ['B'] },
      { id: 'c', match: none, approverGroups: ['C'] },
    ];
    assert.equal(findRoute(rules, SUBJECT)?.id, 'b');
    assert.equal(findRoute(rules.slice(0, 1), SUBJECT), null);
  });
});

describe('ruleIdOf', () => {
  it('strips the rules. prefix and keeps environment paths', () => {
    assert.equal(ruleIdOf('rules.filesystem.write.iam'), 'filesystem.write.iam');
    assert.equal(ruleIdOf('environments.prod.actions.deploy'), 'environments.prod.actions.deploy');
    assert.equal(ruleIdOf(null), null);
  });
});

describe('applyRoute: routing an evaluated decision', () => {
  const decision = {
    outcome: 'require_approval' as const,
    matchedRule: 'environments.prod.sideEffects',
    reason: 'environments.prod.sideEffects requires 1 approval from release-managers',
    approverGroups: ['release-managers'],
    quorum: { min: 1, groups: ['release-managers'], mode: 'any' as const },
    routedBy: null,
  };
  const [route] = parseRoutingFile(
    'routing:\n  - id: sec\n    match: { kind: deploy }\n    approverGroup: Platform Security\n',
  );

  it('changes groups, quorum, routedBy and reason together', () => {
    const d = applyRoute(decision, route ?? null);
    assert.deepEqual(d.approverGroups, ['Platform Security']);
    assert.deepEqual(d.quorum, { min: 1, groups: ['Platform Security'], mode: 'any' });
    assert.equal(d.routedBy, 'repository:sec');
    assert.equal(
      d.reason,
      'environments.prod.sideEffects requires 1 approval, routed by repository:sec to Platform Security',
    );
  });

  it('leaves an unrouted, allowed or denied decision alone', () => {
    assert.equal(applyRoute(decision, null), decision);
    const allowed = { ...decision, outcome: 'allow' as const, quorum: null, approverGroups: [] };
    assert.equal(applyRoute(allowed, route ?? null), allowed);
  });

  it('approvalReason names the groups of the quorum it is given', () => {
    const q = { min: 2, groups: ['a', 'b'], mode: 'each' as const };
    assert.equal(
      approvalReason('rules.x', q, null),
      'rules.x requires 2 approvals with at least one from each of a, b',
    );
    assert.equal(
      approvalReason('rules.x', q, 'r1'),
      'rules.x requires 2 approvals with at least one from each group, routed by r1 to a, b',
    );
  });
});
