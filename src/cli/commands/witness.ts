/**
 * `countersign witness keygen|serve`: run a C2SP tlog-witness for a Countersign audit log (or any
 * log with Ed25519 checkpoints), so that a team other than the log's operators can cosign its
 * checkpoints and refuse any that rewrite history (docs/audit-log.md "Witnessing").
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseVerifierKey, type NoteKey } from '../../audit/index.js';
import { parseListen } from '../../config/config-fields.js';
import { InputError } from '../../errors/index.js';
import { createWitness } from '../../witness/witness.js';
import { generateWitnessKey, loadWitnessKey } from '../../witness/witness-key.js';
import { startWitnessServer } from '../../witness/witness-server.js';
import { WitnessState } from '../../witness/witness-state.js';
import type { GlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { runPlain } from '../run.js';

const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();
const collect = (value: string, previous: string[] = []) => [...previous, value];

function usage(path: string, message: string): InputError {
  return new InputError('validation_failed', `${path} ${message}`, [{ path, message }]);
}

function logKeys(values: readonly string[]): NoteKey[] {
  if (values.length === 0)
    throw usage('--log-key', 'is required (the log checkpoint verifier key)');
  return values.map((v) => {
    try {
      return parseVerifierKey(v);
    } catch (err) {
      throw usage('--log-key', (err as Error).message);
    }
  });
}

export function registerWitnessCommands(program: Command): void {
  const witness = program
    .command('witness')
    .description('operate a witness that cosigns audit checkpoints (C2SP tlog-witness)');

  witness
    .command('keygen')
    .description('create the witness Ed25519 key file (0600) and print its verifier key')
    .requiredOption('--name <name>', 'the witness name, e.g. witness.example.com/w1')
    .requiredOption('--key <file>', 'where to write the private key (never overwritten)')
    .action((o: { name: string; key: string }, cmd: Command) =>
      runPlain(g(cmd), async (out) => {
        if (!/^[\x21-\x2a\x2c-\x7e]{1,256}$/.test(o.name)) {
          throw usage('--name', 'must be printable ASCII without spaces or "+"');
        }
        let key;
        try {
          key = generateWitnessKey(o.name, resolve(o.key));
        } catch (err) {
          throw usage(
            '--key',
            `cannot be written: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
          );
        }
        if (out.json) return printJson(out, { name: key.name, verifierKey: key.verifierKey });
        out.out(key.verifierKey);
      }),
    );

  witness
    .command('serve')
    .description('answer POST /add-checkpoint for the logs whose keys are given')
    .requiredOption('--key <file>', 'the witness key file (from witness keygen)')
    .requiredOption('--state <file>', 'SQLite file recording the last cosigned size per log')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8090')
    .option(
      '--log-key <vkey>',
      'a log checkpoint verifier key <origin>+<id>+<key> (repeatable; from countersign audit verifier-key)',
      collect,
      [],
    )
    .action((o: { key: string; state: string; listen: string; logKey: string[] }, cmd: Command) =>
      runPlain(g(cmd), async (out) => {
        const address = parseListen(o.listen);
        if (!address) throw usage('--listen', 'must be host:port, e.g. 127.0.0.1:8090');
        const logs = logKeys(o.logKey);
        let key;
        try {
          key = loadWitnessKey(resolve(o.key));
        } catch (err) {
          throw usage('--key', (err as Error).message.replace(/^.*?: /, ''));
        }
        const state = new WitnessState(resolve(o.state));
        const w = createWitness({
          key,
          logs,
          state,
          now: () => Date.now(),
          onRefusal: (origin, status, message) =>
            process.stderr.write(`refused ${origin} (${status}): ${message}\n`),
        });
        const server = await startWitnessServer(w, address.host, address.port);
        out.out(`witness ${key.name} listening on ${server.url}`);
        out.out(`verifier key: ${key.verifierKey}`);
        const shutdown = () => {
          void server.close().finally(() => {
            state.close();
            process.exit(0);
          });
        };
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      }),
    );
}
