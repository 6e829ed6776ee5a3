/** The `countersign` command line. */
import { Command, CommanderError, Help, Option } from 'commander';
import { packageVersion } from '../lib/package-version.js';
import { registerApprovalCommands } from './commands/approval.js';
import { registerMiscCommands } from './commands/misc.js';
import { registerSetupCommands } from './commands/setup.js';
import { registerGateCommands } from './commands/gate.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerEvidenceCommands } from './commands/evidence.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerMcpCommands } from './commands/mcp.js';
import { registerImportCommands } from './commands/import-cavra.js';
import { registerWitnessCommands } from './commands/witness.js';
import { registerBackupCommand } from './commands/backup.js';
import { EXIT } from './exit-codes.js';

export function buildProgram(): Command {
  const program = new Command('countersign')
    .description('Countersign: an approval gate for risky actions')
    .option('--url <url>', 'server URL (COUNTERSIGN_URL; default http://127.0.0.1:8080)')
    .option('--token <token>', 'API key or OIDC token (COUNTERSIGN_TOKEN)')
    .option('--db <path|url>', 'work straight on a store instead of a server')
    .option(
      '--config <file>',
      'countersign.yaml (names the store, keys and policy); implies local mode',
    )
    .option('--as-groups <list>', 'local mode only: approver groups to act in')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride();
  // `--version` is answered in main() before parsing (subcommands own a --version of their own),
  // so it is listed here for the help only
  const versionOption = new Option('-V, --version', 'print the version and exit');
  program.configureHelp({
    visibleOptions(cmd) {
      const shown = Help.prototype.visibleOptions.call(this, cmd);
      return cmd === program ? [versionOption, ...shown] : shown;
    },
  });
  program
    .command('version')
    .description('print the version')
    .action(() => {
      process.stdout.write(`${packageVersion()}\n`);
    });
  registerSetupCommands(program);
  registerMiscCommands(program);
  registerApprovalCommands(program);
  registerGateCommands(program);
  registerKeyCommands(program);
  registerEvidenceCommands(program);
  registerAuditCommands(program);
  registerMcpCommands(program);
  registerImportCommands(program);
  registerWitnessCommands(program);
  registerBackupCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `countersign … | head` closes the pipe early: that is not an error worth a stack trace
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  // `--version` only as the first argument: subcommands have their own --version (versions register)
  if (argv[2] === '--version' || argv[2] === '-V') {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    throw err;
  }
}
