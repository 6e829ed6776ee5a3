import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RbacConfig } from '../config/config-types.js';
import {
  effectiveReviewerGroups,
  mapGroups,
  repositoryEligibility,
  reviewableVerdicts,
  reviewerGroupsFor,
  scopesFor,
} from './rbac.js';

const rbac: RbacConfig = {
  scopes: { admin: ['platform-admins'], 'audit:read': ['auditors', 'Security'] },
  groupMappings: {
    'github-team:payments-owners': ['Payments Owners'],
    'okta:secops': ['Security', 'sre'],
  },
  repositoryPermissions: [
    {
      repository: 'payments/api',
      approverGroup: 'IAM',
      groups: ['Payments Owners'],
      actions: ['approve', 'deny'],
    },
    {
      repository: 'payments/ledger',
      approverGroup: 'IAM',
      groups: ['Payments Owners'],
      actions: ['deny'],
    },
  ],
};

describe('mapGroups', () => {
  test('keeps external groups and adds their mappings, unique and sorted', () => {
    assert.deepEqual(mapGroups(['okta:secops', 'zeta', 'sre', 'okta:secops'], rbac), [
      'Security',
      'okta:secops',
      'sre',
      'zeta',
    ]);
  });

  test('"*" is never held, whether from a claim or from a mapping', () => {
    const starMap: RbacConfig = { ...rbac, groupMappings: { ops: ['*', 'sre'] } };
    assert.deepEqual(mapGroups(['*', 'ops'], starMap), ['ops', 'sre']);
  });

  test('an unmapped group maps to nothing more', () => {
    assert.deepEqual(mapGroups(['github-team:unknown'], rbac), ['github-team:unknown']);
  });

  test('group names that are Object.prototype members map to nothing', () => {
    assert.deepEqual(mapGroups(['constructor', '__proto__', 'toString'], rbac), [
      '__proto__',
      'constructor',
      'toString',
    ]);
  });
});

describe('scopesFor', () => {
  test('base scopes for everyone, more only through rbac.scopes', () => {
    assert.deepEqual(scopesFor([], rbac), ['approvals:request', 'approvals:review']);
    assert.deepEqual(scopesFor(['Security'], rbac), [
      'approvals:request',
      'approvals:review',
      'audit:read',
    ]);
    assert.deepEqual(scopesFor(['platform-admins', 'auditors'], rbac), [
      'approvals:request',
      'approvals:review',
      'audit:read',
      'admin',
    ]);
  });

  test('a custom base replaces the default one', () => {
    assert.deepEqual(scopesFor(['auditors'], rbac, []), ['audit:read']);
  });
});

describe('repositoryEligibility', () => {
  const owners = ['Payments Owners', 'github-team:payments-owners'];
  const req = (approverGroups: string[], repository?: string) => ({
    approverGroups,
    action: repository === undefined ? {} : { repository },
  });

  test('direct membership counts whatever the repository', () => {
    assert.deepEqual(repositoryEligibility(req(['IAM', 'sre']), ['sre'], 'approve', rbac), ['sre']);
  });

  test("owners count for the delegated group on their repository's requests", () => {
    assert.deepEqual(repositoryEligibility(req(['IAM'], 'payments/api'), owners, 'approve', rbac), [
      'IAM',
    ]);
    assert.deepEqual(repositoryEligibility(req(['IAM'], 'payments/api'), owners, 'deny', rbac), [
      'IAM',
    ]);
  });

  test('the delegation stops at another repository, no repository, or a near-miss name', () => {
    for (const repository of ['payments/web', 'Payments/API', 'payments/api/', '', undefined]) {
      assert.deepEqual(
        repositoryEligibility(req(['IAM'], repository), owners, 'approve', rbac),
        [],
        String(repository),
      );
    }
  });

  test('the delegation covers only the listed actions', () => {
    const ledger = req(['IAM'], 'payments/ledger');
    assert.deepEqual(repositoryEligibility(ledger, owners, 'approve', rbac), []);
    assert.deepEqual(repositoryEligibility(ledger, owners, 'deny', rbac), ['IAM']);
  });

  test('the delegation never adds a group the request does not name', () => {
    assert.deepEqual(
      repositoryEligibility(req(['release-managers'], 'payments/api'), owners, 'approve', rbac),
      [],
    );
  });

  test('"*" is a literal name: it counts for no group', () => {
    assert.deepEqual(repositoryEligibility(req(['b', 'a']), ['*'], 'approve', rbac), []);
  });

  test('the devMode principal counts for every group; a "*" group held by anyone else does not', () => {
    const request = req(['b', 'a']);
    const dev = reviewerGroupsFor({ kind: 'dev', groups: ['*'] }, request);
    assert.deepEqual(repositoryEligibility(request, dev, 'approve', rbac), ['a', 'b']);
    for (const kind of ['user', 'apikey'] as const) {
      const held = reviewerGroupsFor({ kind, groups: ['*', 'c'] }, request);
      assert.deepEqual(held, ['c']);
      assert.deepEqual(repositoryEligibility(request, held, 'approve', rbac), []);
    }
  });
});

describe('effectiveReviewerGroups and reviewableVerdicts', () => {
  const owners = ['Payments Owners'];

  test('adds the delegated group to the reviewer groups for this verdict only', () => {
    const ledger = { approverGroups: ['IAM'], action: { repository: 'payments/ledger' } };
    assert.deepEqual(effectiveReviewerGroups(ledger, owners, 'deny', rbac), [
      'IAM',
      'Payments Owners',
    ]);
    assert.deepEqual(effectiveReviewerGroups(ledger, owners, 'approve', rbac), ['Payments Owners']);
  });

  test('reviewableVerdicts lists what the reviewer may cast', () => {
    const api = { approverGroups: ['IAM'], action: { repository: 'payments/api' } };
    const ledger = { approverGroups: ['IAM'], action: { repository: 'payments/ledger' } };
    const other = { approverGroups: ['IAM'], action: { repository: 'billing/api' } };
    assert.deepEqual(reviewableVerdicts(api, owners, rbac), ['approve', 'deny']);
    assert.deepEqual(reviewableVerdicts(ledger, owners, rbac), ['deny']);
    assert.deepEqual(reviewableVerdicts(other, owners, rbac), []);
  });
});
