/** `countersign audit verify|export|checkpoint|prove`. */
import type { Command } from 'commander';
import { InputError } from '../../errors/index.js';
import { findConfigFile, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { printJson } from '../output.js';
import { runCommand } from '../run.js';
import { formatVerifierKey } from '../../audit/index.js';
import { addPinOptions, wantsPinning, type PinOptions } from '../pinning.js';
import { verifyPinned, type AuditVerifyOutcome } from '../audit-pinned.js';
import { progressLine } from '../progress.js';

function index(value: string, name: string): number {
  if (!/^\d{1,15}$/.test(value)) {
    throw new InputError('validation_failed', `${name} must be a non-negative integer`, [
      { path: name, message: 'integer' },
    ]);
  }
  return Number(value);
}

export function registerAuditCommands(program: Command): void {
  const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();
  const audit = program.command('audit').description('the tamper-evident audit log');

  addPinOptions(
    audit
      .command('verify')
      .description(
        'recompute every leaf and node from the stored events, check every checkpoint; name the first bad index',
      )
      .option('--progress', 'show progress on stderr even when it is not a terminal')
      .option('--no-progress', 'no progress line, even on a terminal'),
  ).action((o: PinOptions & { progress?: boolean }, cmd: Command) => {
    const opts = g(cmd);
    // verification reads the store itself: without --db or --config use the local configuration
    const config = opts.db || opts.config ? opts.config : findConfigFile({});
    return runCommand({ ...opts, ...(config ? { config } : {}) }, async (backend, out) => {
      // on a terminal (or when asked), a progress line on stderr while a long log is verified
      const show = o.progress ?? (process.stderr.isTTY === true && !out.json);
      const progress = show ? progressLine(process.stderr, 'verifying', 'events') : null;
      let r: AuditVerifyOutcome;
      try {
        r = await backend.auditVerify(
          progress ? (done, total) => progress.update(done, total) : undefined,
        );
      } finally {
        progress?.end();
      }
      if (r.ok && wantsPinning(o)) r = await verifyPinned(backend, o, r);
      if (out.json) printJson(out, r);
      else if (r.ok) {
        out.out(`ok: ${r.size} events, root ${r.root}, ${r.checkpoints} checkpoints verified`);
        if (r.pinned) out.out(r.pinned);
      } else if (r.firstBadIndex === undefined) out.err(`FAILED: ${r.problem}: ${r.message}`);
      else out.err(`FAILED at index ${r.firstBadIndex}: ${r.problem}: ${r.message}`);
      if (!r.ok) process.exitCode = EXIT.rejected;
    });
  });

  audit
    .command('verifier-key')
    .description('the checkpoint verifier key(s) <origin>+<id>+<key>, for witnesses and verifiers')
    .action((_o: unknown, cmd: Command) => {
      const opts = g(cmd);
      const config = opts.db || opts.config ? opts.config : findConfigFile({});
      return runCommand({ ...opts, ...(config ? { config } : {}) }, async (backend, out) => {
        const src = await backend.auditPinSource();
        const keys = src.logKeys.map((k) => formatVerifierKey(k.name, k.publicKey));
        if (out.json) return printJson(out, { origin: src.origin, verifierKeys: keys });
        for (const k of keys) out.out(k);
      });
    });

  audit
    .command('export')
    .description('every event as JSON lines: {"index": n, "event": {...}}')
    .action((_o: unknown, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        await backend.auditEvents((items) => {
          for (const item of items) out.out(JSON.stringify(item));
        });
      }),
    );

  audit
    .command('checkpoint')
    .description('the latest signed checkpoint (local: sign one now if the log grew)')
    .action((_o: unknown, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const c = await backend.auditCheckpoint();
        if (out.json) return printJson(out, c);
        process.stdout.write(c.note);
      }),
    );

  audit
    .command('prove <index>')
    .description('an inclusion proof of one event against the latest checkpoint (or --size)')
    .option('--size <n>', 'tree size to prove against')
    .action((i: string, o: { size?: string }, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const proof = await backend.auditProve(
          index(i, 'INDEX'),
          o.size === undefined ? undefined : index(o.size, '--size'),
        );
        printJson(out, proof);
      }),
    );
}
