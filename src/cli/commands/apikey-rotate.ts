/**
 * `countersign apikey rotate ID`: the key gets a new secret in place (same id, name, scopes and
 * groups, so it stays the same principal); the old secret stops working in the same transaction. When ID is the admin key `init` saved, that file is rewritten
 * (mode 0600, replaced atomically) so `COUNTERSIGN_TOKEN=$(cat .countersign/admin-token)` keeps
 * working.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseApiKey } from '../../identity/api-keys.js';
import { findConfigFile, INIT_DIR, type GlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { runCommand } from '../run.js';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** Where `init` may have saved the admin key: next to the config in use, and ./.countersign/. */
export function adminTokenFiles(opts: GlobalOptions): string[] {
  const config = findConfigFile(opts);
  const candidates = [
    ...(config ? [join(dirname(config), ADMIN_TOKEN_FILE)] : []),
    resolve(INIT_DIR, ADMIN_TOKEN_FILE),
  ];
  return [...new Set(candidates)];
}

/** The id of the API key held in `file`, or undefined (absent, unreadable, or not a key). */
function keyIdIn(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return parseApiKey(readFileSync(file, 'utf8').trim())?.id;
  } catch {
    return undefined;
  }
}

/** Writes `key` to `file` with mode 0600 through a temporary file and a rename. */
export function replaceTokenFile(file: string, key: string): void {
  const tmp = join(dirname(file), `.${ADMIN_TOKEN_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, `${key}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Rewrites every candidate file that holds the key `oldId`; returns the files rewritten. */
export function rewriteAdminTokenFiles(
  files: readonly string[],
  oldId: string,
  key: string,
): string[] {
  const rewritten: string[] = [];
  for (const file of files) {
    if (keyIdIn(file) !== oldId) continue;
    replaceTokenFile(file, key);
    rewritten.push(file);
  }
  return rewritten;
}

export function registerApiKeyRotateCommand(apikey: Command): void {
  apikey
    .command('rotate <id>')
    .description(
      'give a key a new secret (same id, name, scopes and groups): the new key is printed once, the old secret stops working',
    )
    .action((id: string, _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      return runCommand(opts, async (backend, out) => {
        const r = await backend.rotateApiKey(id);
        const files = rewriteAdminTokenFiles(adminTokenFiles(opts), id, r.key);
        if (out.json) return printJson(out, { ...r, tokenFilesUpdated: files });
        out.out(r.key);
        out.err(
          `rotated ${r.apiKey.id} (${r.apiKey.name}; ${r.apiKey.scopes.join(', ')}): the old secret no longer works and the new key is not shown again`,
        );
        for (const f of files) out.err(`updated ${f} (mode 0600)`);
      });
    });
}
