/** `countersign approval …` */
import type { Command } from 'commander';
import type { ActionInput } from '../../client/types.js';
import { ApiError } from '../../client/api-error.js';
import { InputError } from '../../errors/index.js';
import type { RoutingRule } from '../../policy/index.js';
import {
  applyRoute,
  findRoute,
  parseRoutingFile,
  ruleIdOf,
  type RoutingSubject,
} from '../../policy/routing.js';
import { readFileSync } from 'node:fs';
import type { GlobalOptions } from '../context.js';
import { actionOf, actionOrDecision, readDocument } from '../io.js';
import { EXIT } from '../exit-codes.js';
import {
  APPROVAL_COLUMNS,
  approvalCells,
  describeApproval,
  describeDecision,
  describeSpec,
  formatTable,
  printJson,
} from '../output.js';
import { runCommand } from '../run.js';
import { registerAttachDecisionCommand } from './evidence.js';
import { registerNotifyCommands } from './notify.js';

export function registerApprovalCommands(program: Command): void {
  const approval = program
    .command('approval')
    .description('open, review and manage approval requests');
  const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();
  registerAttachDecisionCommand(approval);
  registerNotifyCommands(approval);

  approval
    .command('create <file>')
    .description('open a request for an action (or a decision from `evaluate --json`)')
    .option('--ttl <duration>', 'how long the request stays open (e.g. 2h)')
    .option('--callback-url <url>', 'receives the decision as a signed webhook')
    .option('--approver-group <group>', 'narrow routing to one of the routed groups')
    .option('--note <text>', 'a note for reviewers')
    .action(
      (
        file: string,
        o: { ttl?: string; callbackUrl?: string; approverGroup?: string; note?: string },
        cmd: Command,
      ) =>
        runCommand(g(cmd), async (backend, out) => {
          const src = actionOrDecision(readDocument(file));
          const { approval: a, created } = await backend.createApproval({
            // a decision file opens the stored decision; a bare action is evaluated
            ...(src.decisionId !== undefined
              ? { decisionId: src.decisionId }
              : { action: src.action as ActionInput }),
            ...(o.ttl ? { ttl: o.ttl } : {}),
            ...(o.callbackUrl ? { callbackUrl: o.callbackUrl } : {}),
            ...(o.approverGroup ? { approverGroup: o.approverGroup } : {}),
            ...(o.note ? { note: o.note } : {}),
          });
          if (out.json) return printJson(out, { created, approval: a });
          out.out(
            created
              ? `created ${a.id}`
              : a.state === 'approved'
                ? `already approved, credential usable: ${a.id}`
                : `already pending: ${a.id}`,
          );
          out.out(describeApproval(a));
        }),
    );

  approval
    .command('route <file>')
    .description(
      'show which approver groups an action routes to (optionally with a repository routing file)',
    )
    .option(
      '--routing-file <file>',
      "a repository's .countersign/routing.yaml to apply instead of the policy routing",
    )
    .action((file: string, o: { routingFile?: string }, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const { action, decision } = await backend.evaluate(
          actionOf(readDocument(file), file) as ActionInput,
        );
        let routed = decision;
        if (o.routingFile && !action.repository) {
          // a repository's routing file routes only actions that name that repository
          out.err(
            'note: the action names no repository, so a repository routing file does not apply',
          );
        } else if (o.routingFile) {
          const rules: RoutingRule[] = parseRoutingFile(
            readFileSync(o.routingFile, 'utf8'),
            o.routingFile,
          );
          const route = findRoute(rules, {
            kind: action.kind,
            ruleId: ruleIdOf(decision.matchedRule),
            target: action.target,
            riskTags: decision.riskTags,
            severity: decision.severity as RoutingSubject['severity'],
            repository: action.repository,
          });
          // groups, quorum, routedBy and reason change together, as policy routing does
          routed = applyRoute(decision as never, route) as typeof decision;
        }
        if (out.json) {
          return printJson(out, {
            approverGroups: routed.approverGroups,
            routedBy: routed.routedBy,
            decision: routed,
          });
        }
        out.out(describeDecision(routed));
      }),
    );

  approval
    .command('list')
    .description('list requests, newest first')
    .option('--state <state>', 'pending, approved, denied, expired, cancelled or revoked')
    .option('--group <group>', 'requests routed to this approver group')
    .option('--environment <env>')
    .option('--project <project>')
    .option('--requested-by <principal>')
    .option('-q, --query <text>', 'free text')
    .option('--limit <n>', 'page size (1-200)', '50')
    .option('--cursor <cursor>', 'from a previous page')
    .action((o: Record<string, string | undefined>, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const page = await backend.listApprovals({
          ...(o.state ? { state: o.state as never } : {}),
          ...(o.group ? { group: o.group } : {}),
          ...(o.environment ? { environment: o.environment } : {}),
          ...(o.project ? { project: o.project } : {}),
          ...(o.requestedBy ? { requestedBy: o.requestedBy } : {}),
          ...(o.query ? { q: o.query } : {}),
          limit: Number(o.limit ?? 50),
          ...(o.cursor ? { cursor: o.cursor } : {}),
        });
        if (out.json) return printJson(out, page);
        if (page.items.length === 0) out.out('no requests');
        else out.out(formatTable(APPROVAL_COLUMNS, page.items.map(approvalCells)));
        if (page.nextCursor) out.out(`more: --cursor ${page.nextCursor}`);
      }),
    );

  approval
    .command('show <id>')
    .description('a request with its decision, reviews and quorum progress')
    .action((id: string, _o: unknown, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const a = await backend.getApproval(id);
        // a server without the route (older version) answers 404: show the request without a diff
        const previous = await backend.previousApproval(id).catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 404) return null;
          throw err;
        });
        if (out.json) return printJson(out, { ...a, previous });
        out.out(describeApproval(a));
        out.out(describeSpec(a, previous));
      }),
    );

  const verdict = (name: 'approve' | 'deny') =>
    approval
      .command(`${name} <id>`)
      .description(name === 'approve' ? 'approve (counts toward quorum)' : 'deny (deny wins)')
      .option(
        '--reason <text>',
        name === 'approve'
          ? 'why (required unless the environment policy has approvalReason: optional)'
          : 'why (required)',
      )
      .option('--external-ref <ref>', 'a change or ticket id (approve only)')
      .action((id: string, o: { reason?: string; externalRef?: string }, cmd: Command) =>
        runCommand(g(cmd), async (backend, out) => {
          if (name === 'deny' && !o.reason?.trim()) {
            throw new InputError('validation_failed', 'a deny needs a reason', [
              { path: '--reason', message: 'a reason is required' },
            ]);
          }
          const a =
            name === 'approve'
              ? await backend.approve(id, {
                  ...(o.reason !== undefined ? { reason: o.reason } : {}),
                  ...(o.externalRef ? { externalRef: o.externalRef } : {}),
                })
              : await backend.deny(id, { reason: o.reason ?? '' });
          if (out.json) return printJson(out, a);
          out.out(describeApproval(a));
        }),
      );
  verdict('approve');
  verdict('deny');

  for (const name of ['expire', 'cancel', 'revoke'] as const) {
    approval
      .command(`${name} <id>`)
      .description(
        {
          expire: 'expire a pending request (admin)',
          cancel: 'cancel your pending request',
          revoke: 'revoke an approved request',
        }[name],
      )
      .option('--reason <text>', 'why (required for revoke)')
      .action((id: string, o: { reason?: string }, cmd: Command) =>
        runCommand(g(cmd), async (backend, out) => {
          if (name === 'revoke' && !o.reason) {
            throw new InputError('validation_failed', 'revoke needs --reason', [
              { path: '--reason', message: 'required' },
            ]);
          }
          const body = o.reason ? { reason: o.reason } : {};
          const a =
            name === 'revoke'
              ? await backend.revoke(id, { reason: o.reason as string })
              : await backend[name](id, body);
          if (out.json) return printJson(out, a);
          out.out(describeApproval(a));
        }),
      );
  }

  approval
    .command('break-glass <file>')
    .description('declare an immediately approved emergency request (mandatory evidence)')
    .requiredOption('--reason <text>', 'why this cannot wait')
    .requiredOption('--approver-group <group>', 'the group on whose behalf')
    .option('--external-ref <ref>', 'incident id (required unless policy says otherwise)')
    .option('--expires-in <duration>', 'how long the override lasts (within policy max)', '1h')
    .action(
      (
        file: string,
        o: { reason: string; approverGroup: string; externalRef?: string; expiresIn: string },
        cmd: Command,
      ) =>
        runCommand(g(cmd), async (backend, out) => {
          const a = await backend.breakGlass({
            action: actionOf(readDocument(file), file) as ActionInput,
            reason: o.reason,
            approverGroup: o.approverGroup,
            expiresIn: o.expiresIn,
            ...(o.externalRef ? { externalRef: o.externalRef } : {}),
          });
          if (out.json) return printJson(out, a);
          out.out(describeApproval(a));
        }),
    );

  approval
    .command('eligible <file>')
    .description(
      'list the approvals whose credential would pass the gate for this action now (exit 3 when none)',
    )
    .action((file: string, _o: unknown, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const src = actionOrDecision(readDocument(file));
        if (src.action === undefined) {
          throw new InputError('validation_failed', 'eligible needs an action', [
            { path: file, message: 'pass the action JSON' },
          ]);
        }
        const { decision } = await backend.evaluate(src.action as ActionInput);
        const page = await backend.listApprovals({
          actionHash: decision.actionHash,
          usable: true,
          limit: 200,
        });
        if (out.json) {
          printJson(out, { actionHash: decision.actionHash, items: page.items });
        } else if (page.items.length > 0) {
          out.out(`usable approvals for ${decision.actionHash}:`);
          out.out(formatTable(APPROVAL_COLUMNS, page.items.map(approvalCells)));
          out.out(`present one: countersign gate check ${file} --approval ${page.items[0]?.id}`);
        } else {
          out.err(
            `no usable approval for ${decision.actionHash}: request one with \`countersign approval create ${file}\``,
          );
        }
        if (page.items.length === 0) process.exitCode = EXIT.conflict;
      }),
    );

  approval
    .command('credential <id>')
    .description('print the signed credential of an approved request')
    .action((id: string, _o: unknown, cmd: Command) =>
      runCommand(g(cmd), async (backend, out) => {
        const c = await backend.getCredential(id);
        if (out.json) return printJson(out, c);
        out.out(c.token);
      }),
    );
}
