/** `countersign gate check`, `credential verify` (offline) and `versions register`. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../errors/index.js';
import { fetchJwks, verifyCredential, type ActionInput } from '../../credentials/verify/index.js';
import { parseDuration } from '../../lib/duration.js';
import type { GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { actionOrDecision, readDocument } from '../io.js';
import { describeDecision, printJson, versionTable } from '../output.js';
import type { Decision } from '../../client/types.js';
import { runCommand, runPlain } from '../run.js';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A credential given as a file, `-` for stdin, or the compact JWS itself (never echoed back). */
function readToken(arg: string): string {
  if (COMPACT_JWS.test(arg)) return arg;
  try {
    return readFileSync(arg === '-' ? 0 : arg, 'utf8').trim();
  } catch {
    throw new InputError('validation_failed', 'cannot read the credential file', [
      {
        path: 'credential',
        message: 'no such file (pass a file, - for stdin, or the token itself)',
      },
    ]);
  }
}

function actionFrom(file: string): unknown {
  const src = actionOrDecision(readDocument(file));
  if (src.action === undefined) {
    throw new InputError('validation_failed', `${file} must hold an action`, [
      { path: file, message: 'pass the action JSON' },
    ]);
  }
  return src.action;
}

function seconds(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(/^\d+$/.test(value) ? Number(value) : value);
  if (ms === undefined)
    throw new InputError('validation_failed', `${name} is not a duration`, [
      { path: name, message: 'like 30s or 24h' },
    ]);
  return Math.floor(ms / 1000);
}

/**
 * An allowed gate answer. With an approval the policy's own outcome is `require_approval`: it is
 * shown as the requirement the approval met, never as an outcome beside "allowed".
 */
function describeAllowed(d: Decision, approvalId?: string | null): string {
  if (!approvalId) return `allowed: the policy allows it (${d.reasonCode})\n${describeDecision(d)}`;
  const details = describeDecision(d).replace(
    /^outcome:.*$/m,
    `requirement:  ${d.outcome} (${d.reasonCode}), met by approval ${approvalId}`,
  );
  return `allowed: approval ${approvalId} covers this action\n${details}`;
}

export function registerGateCommands(program: Command): void {
  const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();

  program
    .command('gate')
    .description('check an action at the gate before running it')
    .command('check <action>')
    .description('exit 0 when allowed, 1 when rejected (the reason code is printed)')
    .option('--credential <file>', 'the approval credential (compact JWS), or - for stdin')
    .option(
      '--approval <id>',
      'present the credential of this approval (see `approval eligible`; requester or admin)',
    )
    .action((file: string, o: { credential?: string; approval?: string }, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        if (o.credential && o.approval) {
          throw new InputError('validation_failed', 'pass --credential or --approval, not both', [
            { path: '--approval', message: 'conflicts with --credential' },
          ]);
        }
        const token = o.credential
          ? readToken(o.credential)
          : o.approval
            ? (await backend.getCredential(o.approval)).token
            : undefined;
        const r = await backend.gateCheck(actionFrom(file), token);
        if (out.json) printJson(out, r);
        else if (r.allowed) out.out(describeAllowed(r.decision, r.approvalId));
        else out.err(`rejected: ${r.code}: ${r.detail}`);
        if (!r.allowed) process.exitCode = EXIT.rejected;
      }),
    );

  program
    .command('credential')
    .description('approval credentials')
    .command('verify <token>')
    .description(
      'verify a credential offline against a JWKS and the action about to run (exit 0 valid, 1 rejected)',
    )
    .requiredOption(
      '--jwks <file|url>',
      'the public keys (a file, or the server /.well-known/jwks.json URL)',
    )
    .requiredOption('--action <file>', 'the action JSON the credential must cover')
    .option('--clock-skew <duration>', 'tolerance for nbf', '30s')
    .option('--max-lifetime <duration>', 'longest accepted credential lifetime', '24h')
    .option('--posture <posture>', 'the posture the environment must have (dev, staging, prod)')
    .action(
      (
        token: string,
        o: {
          jwks: string;
          action: string;
          clockSkew: string;
          maxLifetime: string;
          posture?: string;
        },
        cmd: Command,
      ) =>
        runPlain(g(cmd), async (out) => {
          const jwks = /^https?:\/\//.test(o.jwks) ? await fetchJwks(o.jwks) : readDocument(o.jwks);
          const result = await verifyCredential(
            readToken(token),
            actionFrom(o.action) as ActionInput,
            {
              jwks: jwks as never,
              clockSkew: seconds(o.clockSkew, '--clock-skew') as number,
              maxLifetime: seconds(o.maxLifetime, '--max-lifetime') as number,
              ...(o.posture ? { expectedPosture: o.posture } : {}),
            },
          );
          if (out.json) printJson(out, result);
          else if (result.ok) {
            const c = result.claims;
            out.out(
              `valid: approval ${c.sub}, key ${result.kid}, expires ${new Date(c.exp * 1000).toISOString()}`,
            );
            // what the reviewers approved and the executor must honour
            out.out(`rule: ${c.rule ?? '-'}; risk tags: ${c.risk_tags.join(', ') || '-'}`);
            out.out(`constraints: ${JSON.stringify(c.constraints)}`);
          } else {
            out.err(`rejected: ${result.code}: ${result.message}`);
          }
          if (!result.ok) process.exitCode = EXIT.rejected;
        }),
    );

  const versions = program
    .command('versions')
    .description(
      'pipeline versions: the registered builds replays and requireRegisteredVersion accept',
    );
  versions
    .command('list')
    .description("a project's registered pipeline versions, latest registration first")
    .requiredOption('--project <project>')
    .option('--limit <n>', 'page size (1-200)', '50')
    .option('--cursor <cursor>', 'from a previous page')
    .action((o: { project: string; limit: string; cursor?: string }, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const page = await backend.listVersions(o.project, {
          limit: Number(o.limit),
          ...(o.cursor ? { cursor: o.cursor } : {}),
        });
        if (out.json) return printJson(out, page);
        if (page.items.length === 0) out.out(`no registered versions of ${o.project}`);
        else out.out(versionTable(page.items));
        if (page.nextCursor) out.out(`more: --cursor ${page.nextCursor}`);
      }),
    );
  versions
    .command('register')
    .description('register a pipeline version of a project (admin or versions:write)')
    .requiredOption('--project <project>')
    .requiredOption('--version <version>')
    .requiredOption('--spec-hash <hash>', 'sha256:… of the pipeline spec')
    .action((o: { project: string; version: string; specHash: string }, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const v = await backend.registerVersion(o.project, o.version, o.specHash);
        if (out.json) return printJson(out, v);
        out.out(`registered ${o.project} ${o.version} = ${o.specHash}`);
      }),
    );
}
