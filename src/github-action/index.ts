/**
 * Entry point of the Countersign GitHub Action (bundled into dist-action/index.js by
 * `npm run build:action`). Exit 0 when the action may run, 1 with `::error::<code>: …` when not.
 */
import { actionRunnerEnv } from '../config/action-env.js';
import { describeFailure, runAction } from './run.js';
import { createRunner } from './runner.js';

const env = actionRunnerEnv();
const runner = createRunner(env.outputFile, (text) => process.stdout.write(text));
try {
  await runAction(env, runner);
} catch (err) {
  const { code, message } = describeFailure(err);
  runner.error(`${code}: ${message}`, 'Countersign');
  process.exitCode = 1;
}
