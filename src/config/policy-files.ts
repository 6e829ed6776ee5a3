/** Reading the policy file and the repository routing files that configuration names. */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors/index.js';
import { parsePolicy, parseRoutingFile, type Policy, type RoutingRule } from '../policy/index.js';

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new InputError('validation_failed', `cannot read the ${what} ${path}`, [
      { path, message: 'file not found or unreadable' },
    ]);
  }
}

export function loadPolicyFile(path: string): Policy {
  return parsePolicy(readText(path, 'policy file'), path);
}

/** Loads each repository's routing file named in config (`policy.repositoryRouting`). */
export function loadRepositoryRouting(
  files: Readonly<Record<string, string>>,
): Map<string, readonly RoutingRule[]> {
  const out = new Map<string, readonly RoutingRule[]>();
  for (const [repository, file] of Object.entries(files)) {
    out.set(repository, parseRoutingFile(readText(file, 'routing file'), file));
  }
  return out;
}
