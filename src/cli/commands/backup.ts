/** `countersign backup --out FILE`: an online copy of the SQLite store (PostgreSQL: pg_dump). */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { InputError } from '../../errors/index.js';
import { backupSqlite } from '../../store/sqlite/sqlite-backup.js';
import { loadCliConfig, requireDeploymentConfig, type GlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { runPlain } from '../run.js';

export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .description(
      'copy the SQLite store while the server runs (SQLite online backup); PostgreSQL: use pg_dump',
    )
    .requiredOption('--out <file>', 'where to write the copy')
    .option('--force', 'replace an existing file')
    .action((o: { out: string; force?: boolean }, cmd: Command) =>
      runPlain(cmd.optsWithGlobals<GlobalOptions>(), async (out) => {
        const config = loadCliConfig(requireDeploymentConfig(cmd.optsWithGlobals(), 'backup'));
        if (config.store.kind !== 'sqlite') {
          throw new InputError('validation_failed', 'backup copies SQLite stores only', [
            {
              path: '--db',
              message:
                'this store is PostgreSQL: use pg_dump --format=custom (docs/operations.md, Backup and restore)',
            },
          ]);
        }
        const r = await backupSqlite(config.store.path, resolve(o.out), {
          ...(o.force ? { force: true } : {}),
        });
        if (out.json) return printJson(out, r);
        out.out(
          `backed up ${config.store.path} to ${r.file} (${r.pages} pages, integrity ${r.integrity})`,
        );
      }),
    );
}
