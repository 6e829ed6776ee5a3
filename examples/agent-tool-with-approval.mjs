#!/usr/bin/env node
// An AI agent's tool call guarded by Countersign: the tool asks for approval, waits, and only
// runs the side effect once the gate allows it. A refusal goes back to the agent as the tool's
// result, so the model can explain it or choose another plan.
//   COUNTERSIGN_URL=… COUNTERSIGN_TOKEN=cs_… node examples/agent-tool-with-approval.mjs
import { ApprovalRejectedError, CountersignClient } from 'countersign/client';

// examples read their settings from the environment (the project's own code reads it only in config/)
/* eslint-disable no-restricted-syntax */
const cs = new CountersignClient({
  url: process.env.COUNTERSIGN_URL ?? 'http://127.0.0.1:8080',
  token: process.env.COUNTERSIGN_TOKEN,
});
/* eslint-enable no-restricted-syntax */

/** The tool the agent calls: attach an IAM policy to a role. */
async function attachRolePolicy({ role, policyArn }, context) {
  const action = {
    kind: 'iam.attach_policy',
    environment: 'prod',
    project: 'platform',
    spec: { role, policyArn },
    target: `iam/role/${role}`,
    workflow: 'incident-triage',
    runId: context.runId,
    stepId: context.stepId,
    reason: context.why,
  };
  try {
    return await cs.requireApproval(
      action,
      async () => {
        // the real side effect goes here, e.g. an SDK call
        return { ok: true, attached: policyArn, role };
      },
      { timeoutMs: 15 * 60_000, signal: context.signal },
    );
  } catch (err) {
    if (err instanceof ApprovalRejectedError) {
      return { ok: false, refused: err.code, reason: err.message };
    }
    throw err;
  }
}

const result = await attachRolePolicy(
  { role: 'incident-responder', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
  {
    runId: 'run_8f9a',
    stepId: 'grant-access',
    why: 'read-only access to investigate INC-7',
    signal: undefined,
  },
);
console.log(JSON.stringify(result));
