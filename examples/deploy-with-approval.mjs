#!/usr/bin/env node
// A deploy script that runs only once a production deploy is approved and the gate allows it.
//   COUNTERSIGN_URL=http://127.0.0.1:8080 COUNTERSIGN_TOKEN=cs_… node examples/deploy-with-approval.mjs 1.4.2
import { ApprovalRejectedError, CountersignClient } from 'countersign/client';

const version = process.argv[2] ?? '1.4.2';
// examples read their settings from the environment (the project's own code reads it only in config/)
/* eslint-disable no-restricted-syntax */
const cs = new CountersignClient({
  url: process.env.COUNTERSIGN_URL ?? 'http://127.0.0.1:8080',
  token: process.env.COUNTERSIGN_TOKEN,
});
/* eslint-enable no-restricted-syntax */

const action = {
  kind: 'deploy',
  environment: 'prod',
  project: 'checkout',
  spec: { image: `registry.example/checkout:${version}`, replicas: 6 },
  target: 'k8s/prod-eu/checkout',
  reason: `release ${version}`,
};

try {
  await cs.requireApproval(
    action,
    async (credential) => {
      // Only reached after the approval is decided and the gate allowed it.
      console.log(
        `deploying ${version} with approval ${credential?.approvalId ?? '(none needed)'}`,
      );
      // e.g. await exec(`kubectl set image deploy/checkout web=registry.example/checkout:${version}`);
    },
    {
      timeoutMs: 30 * 60_000,
      onPending: (a) =>
        console.log(`waiting for approval ${a.id} (${a.progress.approvals}/${a.progress.min})`),
    },
  );
} catch (err) {
  if (err instanceof ApprovalRejectedError) {
    console.error(
      `not deployed: ${err.code}${err.reasonCode ? ` (${err.reasonCode})` : ''}: ${err.message}`,
    );
    process.exit(1);
  }
  throw err;
}
