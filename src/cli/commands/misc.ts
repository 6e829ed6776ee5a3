/** `countersign evaluate` and `countersign apikey …` */
import type { Command } from 'commander';
import type { ActionInput } from '../../client/types.js';
import type { GlobalOptions } from '../context.js';
import { actionOrDecision, readDocument } from '../io.js';
import { describeDecision, formatTable, printJson } from '../output.js';
import { runCommand } from '../run.js';
import { registerApiKeyRotateCommand } from './apikey-rotate.js';

export function registerMiscCommands(program: Command): void {
  const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();
  program
    .command('evaluate <file>')
    .description('evaluate an action against policy (the decision is recorded)')
    .action((file: string, _o: unknown, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const src = actionOrDecision(readDocument(file));
        const r = await backend.evaluate(src.action as ActionInput);
        if (out.json) return printJson(out, r);
        out.out(describeDecision(r.decision));
      }),
    );

  const apikey = program.command('apikey').description('API keys for machines and scripts (admin)');
  apikey
    .command('create')
    .description('create a key; it is printed once')
    .requiredOption('--name <name>', 'who or what uses it')
    .requiredOption(
      '--scopes <list>',
      'comma-separated: approvals:request, approvals:review, gate:check, audit:read, versions:write, admin',
    )
    .option('--groups <list>', 'comma-separated approver groups (for reviewer keys)')
    .action((o: { name: string; scopes: string; groups?: string }, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const split = (s?: string) =>
          (s ?? '')
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean);
        const r = await backend.createApiKey({
          name: o.name,
          scopes: split(o.scopes),
          groups: split(o.groups),
        });
        if (out.json) return printJson(out, r);
        out.out(r.key);
        out.err(
          `created ${r.apiKey.id} (${r.apiKey.scopes.join(', ')}${r.apiKey.groups.length ? `; groups ${r.apiKey.groups.join(', ')}` : ''}); the key is not shown again`,
        );
      }),
    );
  apikey
    .command('list')
    .description('list keys (never their secrets)')
    .action((_o: unknown, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const keys = await backend.listApiKeys();
        if (out.json) return printJson(out, keys);
        if (keys.length === 0) return out.out('no API keys');
        const rows = keys.map((k) => [
          k.id,
          k.revokedAt ? 'REVOKED' : 'active',
          k.name,
          k.scopes.join(','),
          k.groups.join(',') || '-',
          k.lastUsedAt ?? 'never',
        ]);
        out.out(formatTable(['ID', 'STATE', 'NAME', 'SCOPES', 'GROUPS', 'LAST USED'], rows));
      }),
    );
  apikey
    .command('revoke <id>')
    .description('revoke a key')
    .action((id: string, _o: unknown, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const k = await backend.revokeApiKey(id);
        if (out.json) return printJson(out, k);
        out.out(`revoked ${k.id}`);
      }),
    );
  registerApiKeyRotateCommand(apikey);
}
