/** Runs one CLI command: opens the backend, maps errors to exit codes and clear messages. */
import { ApiError } from '../client/api-error.js';
import { isCountersignError, statusForCode, InputError } from '../errors/index.js';
import type { Backend } from './backend.js';
import { openBackend, type GlobalOptions } from './context.js';
import { exitCodeFor } from './exit-codes.js';
import { StartupError } from '../errors/startup-error.js';
import { printJson, stdio, type Output } from './output.js';

function isFileError(err: unknown): err is NodeJS.ErrnoException {
  return (
    err instanceof Error &&
    ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')
  );
}

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
  } else if (err instanceof StartupError) {
    status = 503;
    code = err.code;
    detail = err.message;
  } else if (isCountersignError(err)) {
    status = statusForCode(err.code);
    code = err.code;
    detail = err.message;
    if (err instanceof InputError) errors = err.errors;
  } else if (
    (err instanceof TypeError && /fetch failed|Invalid URL|url must be/.test(err.message)) ||
    (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
  ) {
    const bad = err instanceof TypeError && /Invalid URL|url must be/.test(err.message);
    status = bad ? 400 : 503;
    code = bad ? 'validation_failed' : 'unavailable';
    detail = bad
      ? 'the server URL is not an http(s) URL (--url or COUNTERSIGN_URL)'
      : 'cannot reach the server (is `countersign serve` running? set --url or COUNTERSIGN_URL)';
  } else if (isFileError(err)) {
    status = 400;
    code = 'validation_failed';
    detail = `cannot read ${err.path ?? 'a file'}: ${err.code === 'ENOENT' ? 'no such file' : 'not readable'}`;
  } else {
    status = 500;
    code = 'internal';
    detail = err instanceof Error ? err.message : String(err);
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
