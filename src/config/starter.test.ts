import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { normalizeAction } from '../policy/action.js';
import { evaluate } from '../policy/evaluate.js';
import { breakGlassRules } from '../policy/environment.js';
import { parsePolicy } from '../policy/policy-schema.js';
import { loadConfig } from './load-config.js';
import { renderStarterConfig, renderStarterPolicy } from './starter.js';

const HASH = `sha256:${'c'.repeat(64)}`;
const act = (fields: Record<string, unknown>) =>
  normalizeAction({
    kind: 'deploy',
    environment: 'prod',
    project: 'demo',
    specHash: HASH,
    ...fields,
  });

describe('renderStarterConfig', () => {
  it('writes a config that loads cleanly with everything under .countersign/', () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-init-'));
    writeFileSync(join(dir, 'countersign.yaml'), renderStarterConfig({ dir }));
    const c = loadConfig({ cwd: dir, env: {} });
    assert.deepEqual(c.store, { kind: 'sqlite', path: join(dir, '.countersign/countersign.db') });
    assert.equal(c.signing.keysDir, join(dir, '.countersign/keys'));
    assert.equal(c.policy.file, join(dir, '.countersign/policy.yaml'));
    assert.equal(c.server.listen, '127.0.0.1:8080');
    assert.equal(c.server.devMode, false);
    assert.match(c.signing.issuer, /^countersign:countersign-init-/);
  });

  it('names the deployment after the directory, safely', () => {
    assert.match(renderStarterConfig({ dir: '/srv/My Team!' }), /issuer: countersign:my-team\n/);
    assert.match(renderStarterConfig({ dir: '/' }), /issuer: countersign:local\n/);
  });
});

describe('renderStarterPolicy', () => {
  const policy = parsePolicy(renderStarterPolicy(), 'starter');

  it('loads cleanly with the policy parser', () => {
    assert.deepEqual(Object.keys(policy.environments), ['dev', 'staging', 'prod', 'locked']);
  });

  it('allows dev, needs approval in staging and denies locked', () => {
    assert.equal(evaluate(policy, act({ environment: 'dev' })).outcome, 'allow');
    assert.equal(evaluate(policy, act({ environment: 'staging' })).outcome, 'require_approval');
    assert.equal(
      evaluate(policy, act({ environment: 'staging', kind: 'replay' })).outcome,
      'dry_run_only',
    );
    assert.equal(
      evaluate(policy, act({ environment: 'locked' })).reasonCode,
      'action_denied_by_posture',
    );
  });

  it('needs two approvals from different groups for a prod deploy', () => {
    const d = evaluate(policy, act({}));
    assert.deepEqual(d.quorum, { min: 2, groups: ['release-managers', 'sre'], mode: 'each' });
    assert.deepEqual(d.requiredCapabilities, ['deploy']);
  });

  it('needs replay.execute with sre and security for a prod replay', () => {
    const d = evaluate(policy, act({ kind: 'replay' }));
    assert.deepEqual(d.quorum, { min: 2, groups: ['sre', 'security'], mode: 'each' });
    assert.deepEqual(d.requiredCapabilities, ['replay.execute']);
  });

  it('allows break-glass in prod for incident commanders only', () => {
    assert.deepEqual(breakGlassRules(policy, 'prod'), {
      groups: ['incident-commanders'],
      maxDurationMs: 4 * 3_600_000,
      requireExternalRef: true,
    });
    assert.equal(breakGlassRules(policy, 'locked'), null);
  });

  it('routes agent actions to IAM, AI Governance and platform-security, and allows reads', () => {
    const groups = (fields: Record<string, unknown>) =>
      evaluate(policy, act(fields)).approverGroups;
    assert.deepEqual(groups({ kind: 'write_file', target: 'iam/admin.json' }), ['IAM']);
    assert.deepEqual(groups({ kind: 'mcp_tool_call', target: 'db.query' }), ['AI Governance']);
    assert.deepEqual(groups({ kind: 'mcp_tool', target: 'db/query' }), ['AI Governance']);
    assert.equal(
      evaluate(policy, act({ kind: 'mcp_tool', target: 'db/list', riskTags: ['read-only'] }))
        .outcome,
      'allow',
    );
    assert.deepEqual(groups({ kind: 'execute_command', target: 'rm -rf /tmp/x' }), [
      'platform-security',
    ]);
    assert.equal(
      evaluate(policy, act({ kind: 'read_file', target: 'README.md' })).outcome,
      'allow',
    );
  });

  it('routes actions tagged secrets to security', () => {
    const d = evaluate(policy, act({ kind: 'mcp_tool_call', riskTags: ['secrets'] }));
    assert.deepEqual(d.approverGroups, ['security']);
    assert.equal(d.routedBy, 'secrets-to-security');
  });

  it('is the file init writes next to the starter config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-init-'));
    mkdirSync(join(dir, '.countersign'));
    writeFileSync(join(dir, '.countersign', 'policy.yaml'), renderStarterPolicy());
    writeFileSync(join(dir, 'countersign.yaml'), renderStarterConfig({ dir }));
    const c = loadConfig({ cwd: dir, env: {} });
    assert.equal(c.policy.file, join(dir, '.countersign', 'policy.yaml'));
  });
});
