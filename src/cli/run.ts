/** Runs one CLI command: opens the backend, maps errors to exit codes and clear messages. */
import { ApiError } from '../client/api-error.js';
import { isCountersignError, statusForCode, InputError } from '../errors/index.js';
import type { Backend } from './backend.js';
import { openBackend, type GlobalOptions } from './context.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { printJson, stdio, type Output } from './output.js';

export function reportError(out: Output, err: unknown): number {
  let status: number;
  let code: string;
  let detail: string;
  let errors: { path: string; message: string }[] = [];
  if (err instanceof ApiError) {
    status = err.status;
    code = err.code;
    detail = err.problem.detail ?? err.message;
    errors = err.problem.errors ?? [];
  } else if (isCountersignError(err)) {
    status = statusForCode(err.code);
    code = err.code;
    detail = err.message;
    if (err instanceof InputError) errors = err.errors;
  } else if (err instanceof TypeError && /fetch failed/.test(err.message)) {
    out.err(
      'error: cannot reach the server (is `countersign serve` running? set --url or COUNTERSIGN_URL)',
    );
    return EXIT.rejected;
  } else {
    out.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.rejected;
  }
  if (out.json) {
    printJson(out, { error: { status, code, detail, ...(errors.length ? { errors } : {}) } });
  } else {
    out.err(`error: ${code}: ${detail}`);
    for (const e of errors) out.err(`  ${e.path}: ${e.message}`);
  }
  return exitCodeFor(status, code);
}

export async function runCommand(
  opts: GlobalOptions,
  fn: (backend: Backend, out: Output) => Promise<void>,
): Promise<void> {
  const out = stdio(opts.json ?? false);
  let backend: Backend | undefined;
  try {
    backend = await openBackend(opts);
    await fn(backend, out);
  } catch (err) {
    process.exitCode = reportError(out, err);
  } finally {
    await backend?.close();
  }
}

/** For commands that need no backend. */
export async function runPlain(
  opts: GlobalOptions,
  fn: (out: Output) => Promise<void>,
): Promise<void> {
  const out = stdio(opts.json ?? false);
  try {
    await fn(out);
  } catch (err) {
    process.exitCode = reportError(out, err);
  }
}
