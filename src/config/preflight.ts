/**
 * The files a configuration names, checked together before a server starts: every unreadable or
 * malformed one is reported with its configuration path, instead of the first failing deep
 * inside start-up (as `internal`).
 */
import { readFileSync } from 'node:fs';
import { InputError, type FieldError } from '../errors/index.js';
import type { CountersignConfig } from './config-types.js';

function readable(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function jwksProblem(text: string): string | null {
  try {
    const doc = JSON.parse(text) as unknown;
    const keys = (doc as { keys?: unknown } | null)?.keys;
    return Array.isArray(keys) ? null : 'is not a JWKS (a JSON object with a "keys" array)';
  } catch {
    return 'is not JSON';
  }
}

/** Every problem with the files the configuration names, each with its configuration path. */
export function referencedFileErrors(config: CountersignConfig): FieldError[] {
  const errors: FieldError[] = [];
  const unreadable = (path: string, file: string) =>
    errors.push({ path, message: `cannot read ${file}` });
  if (readable(config.policy.file) === null) unreadable('policy.file', config.policy.file);
  for (const [repository, file] of Object.entries(config.policy.repositoryRouting)) {
    if (readable(file) === null) unreadable(`policy.repositoryRouting.${repository}`, file);
  }
  config.identity.oidc.forEach((issuer, i) => {
    if (issuer.jwksFile === null) return;
    const path = `identity.oidc[${i}].jwksFile`;
    const text = readable(issuer.jwksFile);
    const problem = text === null ? null : jwksProblem(text);
    if (text === null) unreadable(path, issuer.jwksFile);
    else if (problem) errors.push({ path, message: `${issuer.jwksFile} ${problem}` });
  });
  return errors;
}

/** Throws `validation_failed` listing every problem with the files the configuration names. */
export function assertReferencedFiles(config: CountersignConfig): void {
  const errors = referencedFileErrors(config);
  if (errors.length > 0) {
    throw new InputError(
      'validation_failed',
      `invalid configuration: ${errors.length} file problem${errors.length === 1 ? '' : 's'}`,
      errors,
    );
  }
}
