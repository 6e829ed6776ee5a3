#!/usr/bin/env node
// An executor that verifies an approval credential offline and then honours the constraints the
// reviewers approved: it refuses a change larger than max_lines_changed and kills a command that
// runs past max_runtime_sec. Unknown constraints fail the run.
//
//   node examples/enforce-constraints.mjs approval.jwt action.json jwks.json --lines 120 -- ./deploy.sh
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createVerifier } from 'countersign/verify';

const [tokenFile, actionFile, jwksFile, ...rest] = process.argv.slice(2);
const sep = rest.indexOf('--');
const linesAt = rest.indexOf('--lines');
const linesChanged = linesAt >= 0 ? Number(rest[linesAt + 1]) : 0;
const command = sep >= 0 ? rest.slice(sep + 1) : [];
if (!tokenFile || !actionFile || !jwksFile || command.length === 0) {
  console.error('usage: enforce-constraints.mjs TOKEN ACTION JWKS [--lines N] -- COMMAND…');
  process.exit(2);
}

const verifier = createVerifier({ jwks: JSON.parse(readFileSync(jwksFile, 'utf8')) });
const action = JSON.parse(readFileSync(actionFile, 'utf8'));
const result = await verifier.verify(readFileSync(tokenFile, 'utf8').trim(), action);
if (!result.ok) {
  console.error(`refused: ${result.code}: ${result.message}`);
  process.exit(1);
}

const KNOWN = new Set(['max_runtime_sec', 'max_lines_changed']);
const { constraints } = result.claims;
for (const name of Object.keys(constraints)) {
  if (!KNOWN.has(name)) {
    console.error(`refused: constraint ${name} is not understood by this executor`);
    process.exit(1);
  }
}
if (
  typeof constraints.max_lines_changed === 'number' &&
  linesChanged > constraints.max_lines_changed
) {
  console.error(
    `refused: ${linesChanged} lines changed, approved at most ${constraints.max_lines_changed}`,
  );
  process.exit(1);
}

const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
const limit = typeof constraints.max_runtime_sec === 'number' ? constraints.max_runtime_sec : null;
const timer =
  limit === null
    ? null
    : setTimeout(() => {
        console.error(`stopped: max_runtime_sec ${limit} reached`);
        child.kill('SIGTERM');
      }, limit * 1000);
child.on('exit', (code, signal) => {
  if (timer) clearTimeout(timer);
  process.exit(signal ? 1 : (code ?? 1));
});
