/**
 * The Countersign GitHub Action: asks for approval of a deploy (or any action), waits for the
 * decision, and hands the approval id and the signed credential (masked) to later steps. The job
 * fails with the reason code when policy denies the action, a reviewer denies it, it expires or
 * is cancelled, or the wait times out.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ApiError } from '../client/api-error.js';
import { CountersignClient } from '../client/http-client.js';
import type { ActionInput, Approval } from '../client/types.js';
import type { ActionRunnerEnv } from '../config/action-env.js';
import { parseDuration } from '../lib/duration.js';
import type { Runner } from './runner.js';

/** Why the job failed: a reason code and a sentence. */
export class ActionFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TEXT_FIELDS = [
  ['kind', 'kind'],
  ['environment', 'environment'],
  ['project', 'project'],
  ['spec-hash', 'specHash'],
  ['config-hash', 'configHash'],
  ['target', 'target'],
  ['reason', 'reason'],
  ['pipeline-version', 'pipelineVersion'],
] as const;

function parseDocument(text: string, what: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    throw new ActionFailure('validation_failed', `${what} is not valid JSON or YAML`);
  }
}

function fromFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ActionFailure('validation_failed', `cannot read action-file ${path}`);
  }
  const doc = parseDocument(text, `action-file ${path}`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ActionFailure('validation_failed', `action-file ${path} must hold an object`);
  }
  const o = doc as Record<string, unknown>;
  const inner = o.action;
  return typeof inner === 'object' && inner !== null && !Array.isArray(inner)
    ? { ...(inner as Record<string, unknown>) }
    : { ...o };
}

/**
 * The action to ask about: the action file (a bare action or `{action}`), then the single
 * inputs on top, then the run's context (repository, run id, workflow, job) where not given.
 */
export function actionFromInputs(env: ActionRunnerEnv): ActionInput {
  const file = env.input('action-file');
  const action: Record<string, unknown> = file ? fromFile(file) : {};
  for (const [input, field] of TEXT_FIELDS) {
    const value = env.input(input);
    if (value !== undefined) action[field] = value;
  }
  const spec = env.input('spec');
  if (spec !== undefined) action.spec = parseDocument(spec, 'the spec input');
  action.kind ??= 'deploy';
  if (env.repository) action.repository ??= env.repository;
  if (env.runId) action.runId ??= env.runId;
  if (env.workflow) action.workflow ??= env.workflow;
  if (env.job) action.stepId ??= env.job;
  for (const required of ['environment', 'project'] as const) {
    if (typeof action[required] !== 'string') {
      throw new ActionFailure('validation_failed', `the ${required} input is required`);
    }
  }
  if (action.spec === undefined && action.specHash === undefined) {
    throw new ActionFailure('validation_failed', 'give spec, spec-hash or an action-file');
  }
  return action as unknown as ActionInput;
}

function timeoutMs(env: ActionRunnerEnv): number {
  const text = env.input('timeout') ?? '30m';
  const ms = parseDuration(/^\d+$/.test(text) ? Number(text) : text);
  if (ms === undefined || ms === 0) {
    throw new ActionFailure('validation_failed', 'timeout must be a duration like 30m or 2h');
  }
  return ms;
}

function endedWhy(a: Approval): string {
  const last = a.history[a.history.length - 1];
  const deny = a.reviews.find((r) => r.verdict === 'deny');
  const why = last?.reason ?? deny?.reason;
  return `approval ${a.id} was ${a.state}${why ? `: ${why}` : ''}`;
}

/** Runs the action; resolves on success, throws {@link ActionFailure} (or an API error) else. */
export async function runAction(env: ActionRunnerEnv, runner: Runner): Promise<void> {
  const url = env.input('url');
  const token = env.input('api-key');
  if (!url) throw new ActionFailure('validation_failed', 'the url input is required');
  if (!token) throw new ActionFailure('validation_failed', 'the api-key input is required');
  runner.mask(token);
  const action = actionFromInputs(env);
  const waitMs = timeoutMs(env);
  const client = new CountersignClient({ url, token });
  const { decision } = await client.evaluate(action);
  if (decision.outcome === 'allow') {
    runner.info(`policy allows this action without approval (${decision.reasonCode})`);
    runner.setOutput('outcome', 'allow');
    runner.setOutput('approval-id', '');
    runner.setOutput('credential', '');
    return;
  }
  if (decision.outcome !== 'require_approval') {
    throw new ActionFailure(
      'policy_denied',
      `policy does not allow this action: ${decision.reasonCode}: ${decision.reason}`,
    );
  }
  const ttl = env.input('ttl');
  const note = env.input('note');
  let { approval } = await client.createApproval({
    action,
    ...(ttl ? { ttl } : {}),
    ...(note ? { note } : {}),
  });
  runner.setOutput('approval-id', approval.id);
  const link = `${url.replace(/\/+$/, '')}/console/approvals/${encodeURIComponent(approval.id)}`;
  if (approval.state === 'pending') {
    runner.notice(`waiting for approval ${approval.id}: ${link}`, 'Countersign');
    approval = await client.waitForDecision(approval.id, { timeoutMs: waitMs });
  }
  if (approval.state === 'pending') {
    throw new ActionFailure('timeout', `approval ${approval.id} is still pending (${link})`);
  }
  if (approval.state !== 'approved') throw new ActionFailure(approval.state, endedWhy(approval));
  const credential = await client.getCredential(approval.id);
  runner.mask(credential.token);
  runner.setOutput('credential', credential.token);
  runner.setOutput('outcome', 'approved');
  runner.info(`approved: ${approval.id}; the credential expires at ${credential.expiresAt}`);
}

/** The reason code and message of a failure, for `::error::` and the exit. */
export function describeFailure(err: unknown): { code: string; message: string } {
  if (err instanceof ActionFailure) return { code: err.code, message: err.message };
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  const name = err instanceof Error ? err.name : '';
  if (err instanceof TypeError || name === 'TimeoutError') {
    return { code: 'unavailable', message: 'cannot reach the Countersign server' };
  }
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}
