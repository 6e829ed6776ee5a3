import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples', import.meta.url));

/** The README: "An action file is the JSON of an action, the output of `evaluate --json`, or a stored decision." */
describe('route and break-glass take the output of `evaluate --json`', () => {
  let dir: string;
  const local = ['--config', '.countersign/countersign.yaml'];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-decision-file-'));
    cpSync(EXAMPLES, join(dir, 'examples'), { recursive: true });
    assert.equal((await runCli(['init'], { cwd: dir })).code, 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function evaluateToFile(example: string, out: string): Promise<Record<string, unknown>> {
    const r = await runCli(['evaluate', `examples/${example}`, '--json', ...local], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(join(dir, out), r.stdout);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  test('approval route routes the action of a decision file', async () => {
    await evaluateToFile('agent-iam-write.json', 'iam-decision.json');
    const r = await runCli(['approval', 'route', 'iam-decision.json', '--json', ...local], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout);
    assert.deepEqual(body.approverGroups, ['IAM']);
    assert.equal(body.decision.matchedRule, 'rules.filesystem.write.iam');
    assert.equal(body.decision.outcome, 'require_approval');
  });

  test('approval break-glass declares an override for the action of a decision file', async () => {
    const evaluated = await evaluateToFile('hotfix-prod.json', 'hotfix-decision.json');
    const r = await runCli(
      [
        'approval',
        'break-glass',
        'hotfix-decision.json',
        '--reason',
        'checkout is down',
        '--approver-group',
        'release-managers',
        '--external-ref',
        'INC-7',
        '--json',
        '--as-groups',
        'incident-commanders',
        ...local,
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const a = JSON.parse(r.stdout);
    assert.equal(a.state, 'approved');
    assert.equal(a.breakGlass.externalRef, 'INC-7');
    assert.equal(a.actionHash, (evaluated.decision as { actionHash: string }).actionHash);
  });

  test('a bare stored decision (no action) is refused with a usage error naming the file', async () => {
    const evaluated = await evaluateToFile('agent-iam-write.json', 'again.json');
    writeFileSync(join(dir, 'bare-decision.json'), JSON.stringify(evaluated.decision));
    for (const args of [
      ['approval', 'route', 'bare-decision.json'],
      ['approval', 'break-glass', 'bare-decision.json', '--reason', 'r', '--approver-group', 'IAM'],
    ]) {
      const r = await runCli([...args, ...local], { cwd: dir });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /bare-decision\.json is a stored decision without its action/);
    }
  });
});
