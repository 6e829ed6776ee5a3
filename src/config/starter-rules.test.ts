import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeAction } from '../policy/action.js';
import { evaluate } from '../policy/evaluate.js';
import { parsePolicy } from '../policy/policy-schema.js';
import { renderStarterPolicy } from './starter.js';

const HASH = `sha256:${'d'.repeat(64)}`;
const policy = parsePolicy(renderStarterPolicy(), 'starter');

function decide(fields: Record<string, unknown>) {
  return evaluate(
    policy,
    normalizeAction({ environment: 'dev', project: 'agent', specHash: HASH, ...fields }),
  );
}

/** The agent actions the starter policy guards in every environment, even dev (which allows the rest). */
describe('starter policy: rules for risky agent actions', () => {
  const cases: {
    name: string;
    action: Record<string, unknown>;
    rule: string;
    groups: string[];
    severity: string;
    capability: string;
    routedBy?: string;
  }[] = [
    {
      name: 'a write to a GitHub workflow file',
      action: { kind: 'write_file', target: '.github/workflows/release.yml' },
      rule: 'rules.github.workflows',
      groups: ['platform-security'],
      severity: 'high',
      capability: 'ci.workflow.write',
    },
    {
      name: 'a Terraform apply',
      action: { kind: 'terraform_apply', target: 'infra/prod' },
      rule: 'rules.terraform.apply',
      groups: ['cloud-security'],
      severity: 'critical',
      capability: 'terraform.apply',
    },
    {
      name: 'network egress',
      action: { kind: 'network_egress', target: 'https://paste.example.net/upload' },
      rule: 'rules.network.egress',
      groups: ['security'],
      severity: 'high',
      capability: 'network.egress',
    },
    {
      name: 'secret access',
      action: { kind: 'secret_access', target: 'vault://prod/db-password' },
      rule: 'rules.secrets.access',
      groups: ['security'],
      severity: 'high',
      capability: 'secrets.read',
      routedBy: 'secrets-to-security',
    },
    {
      name: 'a schema change',
      action: { kind: 'schema_change', target: 'migrations/042_drop_orders.sql' },
      rule: 'rules.database.schema',
      groups: ['database-owners'],
      severity: 'high',
      capability: 'database.schema.change',
    },
  ];
  for (const c of cases) {
    it(`requires approval for ${c.name}`, () => {
      const d = decide(c.action);
      assert.equal(d.outcome, 'require_approval');
      assert.equal(d.matchedRule, c.rule);
      assert.deepEqual(d.approverGroups, c.groups);
      assert.deepEqual(d.quorum, { min: 1, groups: c.groups, mode: 'any' });
      assert.equal(d.severity, c.severity);
      assert.ok(d.requiredCapabilities.includes(c.capability));
      assert.equal(d.routedBy, c.routedBy ?? null);
    });
  }

  it('guards only workflow files: other .github files and other writes follow the environment', () => {
    assert.equal(decide({ kind: 'write_file', target: '.github/CODEOWNERS' }).outcome, 'allow');
    assert.equal(decide({ kind: 'write_file', target: 'src/app.ts' }).outcome, 'allow');
    // `..` cannot step around the glob
    assert.equal(
      decide({ kind: 'write_file', target: 'docs/../.github/workflows/ci.yml' }).matchedRule,
      'rules.github.workflows',
    );
  });
});
