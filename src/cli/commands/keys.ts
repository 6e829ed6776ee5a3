/**
 * `countersign keys list|rotate|revoke`: the signing key ring on disk (`signing.keysDir` of the
 * config). Running servers pick changes up within seconds; each change is audited in the store.
 */
import type { Command } from 'commander';
import { openKeyRing, type KeyPurpose } from '../../credentials/index.js';
import { InputError } from '../../errors/index.js';
import { systemClock } from '../../lib/clock.js';
import { randomIds } from '../../lib/ids.js';
import { auditEvent } from '../../services/audit-events.js';
import { openStore } from '../../store/open-store.js';
import { localPrincipal } from '../backend.js';
import { loadCliConfig, requireDeploymentConfig, type GlobalOptions } from '../context.js';
import { formatTable, printJson } from '../output.js';
import { checkpointVerifierKeys } from '../../audit/checkpoint-verifier-keys.js';
import { runPlain } from '../run.js';

async function recordKeyChange(
  opts: GlobalOptions,
  type: 'key.rotated' | 'key.revoked',
  details: Record<string, unknown>,
) {
  const config = loadCliConfig(requireDeploymentConfig(opts, 'keys'));
  const store = await openStore(config.store);
  try {
    await store.transaction(async (tx) => {
      await tx.appendAudit(
        auditEvent({ clock: systemClock, ids: randomIds }, type, localPrincipal([]), {
          outcome: type === 'key.rotated' ? 'rotated' : 'revoked',
          details,
        }),
      );
    });
  } finally {
    await store.close();
  }
}

export function registerKeyCommands(program: Command): void {
  const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();
  const keys = program
    .command('keys')
    .description('the Ed25519 signing keys (credential and checkpoint)');
  const ring = async (opts: GlobalOptions) =>
    openKeyRing(loadCliConfig(requireDeploymentConfig(opts, 'keys')).signing.keysDir);

  keys
    .command('list')
    .description('every key with its purpose and state (no private material)')
    .action((_o: unknown, cmd: Command) =>
      runPlain(g(cmd), async (out) => {
        const opts = requireDeploymentConfig(g(cmd), 'keys');
        const keyRing = await ring(opts);
        const origin = loadCliConfig(opts).audit.origin;
        // checkpoint keys also as verifier keys (origin+keyid+base64), for third-party verifiers
        const verifier = new Map(
          checkpointVerifierKeys(keyRing.publicJwks(), origin).map((v) => [v.kid, v.verifierKey]),
        );
        const list = keyRing
          .list()
          .map((k) => (verifier.has(k.kid) ? { ...k, verifierKey: verifier.get(k.kid) } : k));
        if (out.json) return printJson(out, list);
        const rows = list.map((k) => [k.kid, k.purpose, k.status, k.createdAt]);
        out.out(formatTable(['KID', 'PURPOSE', 'STATUS', 'CREATED'], rows));
        if (verifier.size > 0) {
          out.out('\ncheckpoint verifier keys (for verifyCheckpoint / parseVerifierKey):');
          for (const [kid, vkey] of verifier) out.out(`  ${kid}  ${vkey}`);
        }
      }),
    );

  keys
    .command('rotate')
    .description(
      'add a new active key; the previous active key of that purpose is retired (still verifies)',
    )
    .option('--purpose <purpose>', 'credential or checkpoint', 'credential')
    .action((o: { purpose: string }, cmd: Command) =>
      runPlain(g(cmd), async (out) => {
        if (o.purpose !== 'credential' && o.purpose !== 'checkpoint') {
          throw new InputError('validation_failed', 'unknown key purpose', [
            { path: '--purpose', message: 'credential or checkpoint' },
          ]);
        }
        const info = await (await ring(g(cmd))).rotate(o.purpose as KeyPurpose);
        await recordKeyChange(g(cmd), 'key.rotated', { kid: info.kid, purpose: info.purpose });
        if (out.json) return printJson(out, info);
        out.out(`new active ${info.purpose} key ${info.kid}`);
      }),
    );

  keys
    .command('revoke <kid>')
    .description('revoke a key: it leaves the JWKS and never verifies again')
    .action((kid: string, _o: unknown, cmd: Command) =>
      runPlain(g(cmd), async (out) => {
        const info = await (await ring(g(cmd))).revoke(kid);
        await recordKeyChange(g(cmd), 'key.revoked', { kid: info.kid, purpose: info.purpose });
        if (out.json) return printJson(out, info);
        out.out(`revoked ${info.purpose} key ${info.kid}`);
      }),
    );
}
