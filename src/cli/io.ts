/** Reading JSON/YAML input files for CLI commands, with usage errors that name the file. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../errors/index.js';

export function readDocument(path: string): unknown {
  let text: string;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch {
    throw new InputError('validation_failed', `cannot read ${path}`, [
      { path, message: 'file not found or unreadable' },
    ]);
  }
  try {
    return path.endsWith('.yaml') || path.endsWith('.yml') ? parseYaml(text) : JSON.parse(text);
  } catch {
    throw new InputError(
      'validation_failed',
      `${path} is not valid ${path.endsWith('.json') || path === '-' ? 'JSON' : 'JSON or YAML'}`,
      [{ path, message: 'malformed document' }],
    );
  }
}

/**
 * An action file may hold a bare action, `{action}`, the output of `countersign evaluate --json`
 * (`{action, decision}`) or a decision (`{decisionId, …}`).
 */
export function actionOrDecision(doc: unknown): { action?: unknown; decisionId?: string } {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new InputError('validation_failed', 'expected a JSON object', [
      { path: '/', message: 'must be an object' },
    ]);
  }
  const o = doc as Record<string, unknown>;
  const decision = o.decision as Record<string, unknown> | undefined;
  // `evaluate --json` output carries both: `create` opens the stored decision, while `route`
  // and `break-glass` need the action itself
  if (decision && typeof decision.decisionId === 'string')
    return { decisionId: decision.decisionId, ...('action' in o ? { action: o.action } : {}) };
  if (typeof o.decisionId === 'string' && typeof o.outcome === 'string')
    return { decisionId: o.decisionId };
  if ('action' in o) return { action: o.action };
  return { action: o };
}

/**
 * The action of an action file, for commands that evaluate it again (`route`, `break-glass`): a
 * bare action, `{action}` or `evaluate --json` output. A bare stored decision carries no action.
 */
export function actionOf(doc: unknown, file: string): unknown {
  const src = actionOrDecision(doc);
  if (src.action === undefined) {
    throw new InputError('validation_failed', `${file} is a stored decision without its action`, [
      {
        path: file,
        message: 'pass the action JSON or the output of `countersign evaluate --json`',
      },
    ]);
  }
  return src.action;
}
