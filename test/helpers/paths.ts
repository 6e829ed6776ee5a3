/** Paths in the repository, the same whether a test runs from its source or from dist/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 10; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('repository root not found');
}

export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}
