import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPolicyEngine } from './engine.js';
import { parsePolicy, parseRoutingFile } from './index.js';

const POLICY = parsePolicy(`
version: 1
environments:
  prod:
    posture: prod
    sideEffects: require_approval
    approvers: { groups: [release-managers] }
rules:
  - id: filesystem.write.iam
    match: { kind: write_file, targetGlob: "iam/**" }
    outcome: require_approval
    approvers: { groups: [IAM] }
`);

const action = (repository?: string) => ({
  kind: 'write_file',
  environment: 'prod',
  project: 'payments',
  target: 'iam/role.tf',
  spec: { diff: '+x' },
  ...(repository ? { repository } : {}),
});

test("a repository's routing file routes only that repository's actions", () => {
  const routing = new Map([
    [
      'payments/api',
      parseRoutingFile(
        'routing:\n  - match: { ruleIdPrefix: filesystem.write }\n    approverGroup: Payments Owners\n',
      ),
    ],
  ]);
  const engine = createPolicyEngine(POLICY, routing);
  const routed = engine.evaluate(engine.normalizeAction(action('payments/api')));
  assert.deepEqual(routed.approverGroups, ['Payments Owners']);
  const other = engine.evaluate(engine.normalizeAction(action('billing/api')));
  assert.deepEqual(other.approverGroups, ['IAM']);
  const none = engine.evaluate(engine.normalizeAction(action()));
  assert.deepEqual(none.approverGroups, ['IAM']);
});
