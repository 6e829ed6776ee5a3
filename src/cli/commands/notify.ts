/**
 * `countersign approval export-notifications|provider-requests|deliver|wait`: notification files,
 * delivery now, and waiting for a decision, over the one backend like every approval command
 * (local mode runs the server's app in process). Locally the files carry the deployment's own
 * notification settings; remotely, example ones (a server does not publish its settings).
 */
import type { Command } from 'commander';
import type { Approval } from '../../client/types.js';
import { cliEnvironment } from '../../config/cli-env.js';
import { defaultConfig, type NotificationsConfig } from '../../config/index.js';
import type { ApprovalRequest } from '../../domain/approval.js';
import { InputError } from '../../errors/index.js';
import { parseDuration } from '../../lib/duration.js';
import type { DeliveryView } from '../../notify/delivery-view.js';
import type { DeliveryTarget } from '../../notify/evidence.js';
import { exportNotifications, exportProviderRequests } from '../../notify/export.js';
import { configuredProviders, PROVIDER_NAMES } from '../../notify/providers.js';
import type { Backend } from '../backend.js';
import { DEFAULT_URL, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { printJson } from '../output.js';
import { runCommand } from '../run.js';

const TARGETS: readonly string[] = [...PROVIDER_NAMES, 'callback'];
/** How often a local wait re-reads the request: no server's event bus reaches this process. */
const LOCAL_POLL_MS = 250;

/** The settings the files are written with, and the console URL their links point to. */
function notifyContext(
  backend: Backend,
  opts: GlobalOptions,
): { consoleUrl: string; config: NotificationsConfig } {
  if (backend.config) {
    return { consoleUrl: backend.config.server.publicUrl, config: backend.config.notifications };
  }
  // the server's notification settings are not visible remotely: example settings, all providers
  const url = opts.url ?? cliEnvironment().url ?? DEFAULT_URL;
  return {
    consoleUrl: url.replace(/\/+$/, ''),
    config: defaultConfig(process.cwd()).notifications,
  };
}

function parseTargets(list: string[] | undefined): DeliveryTarget[] | undefined {
  if (!list || list.length === 0) return undefined;
  const names = list
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !TARGETS.includes(n));
  if (bad.length > 0) {
    throw new InputError('validation_failed', `unknown provider: ${bad.join(', ')}`, [
      { path: '--provider', message: `one of ${TARGETS.join(', ')}` },
    ]);
  }
  return [...new Set(names)] as DeliveryTarget[];
}

function deliveryLine(d: DeliveryView): string {
  const code = d.responseStatus === null ? '-' : String(d.responseStatus);
  const tail = d.lastError ? `  (${d.lastError})` : '';
  return `${d.provider.padEnd(10)} ${d.event.padEnd(11)} ${d.status.padEnd(9)} attempts ${d.attempts}  http ${code}  ${d.target ?? '-'}${tail}`;
}

/**
 * Local mode: re-reads the request until it is decided or the time is up. Whatever decides it (a
 * server, another CLI) runs in another process, whose event bus does not reach this one.
 */
async function waitLocal(backend: Backend, id: string, timeoutMs: number): Promise<Approval> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const a = await backend.getApproval(id);
    const left = deadline - Date.now();
    if (a.state !== 'pending' || left <= 0) return a;
    await new Promise((r) => setTimeout(r, Math.min(LOCAL_POLL_MS, left)));
  }
}

function exportCommand(
  approval: Command,
  name: string,
  description: string,
  write: typeof exportNotifications,
): void {
  approval
    .command(`${name} <id>`)
    .description(description)
    .requiredOption('--output <dir>', 'directory to write the files to')
    .option('--all-providers', 'all five providers (example settings for unconfigured ones)')
    .action((id: string, o: { output: string; allProviders?: boolean }, cmd: Command) =>
      runCommand(opts(cmd), async (backend, out) => {
        const a = (await backend.getApproval(id)) as unknown as ApprovalRequest;
        const ctx = notifyContext(backend, opts(cmd));
        const all =
          o.allProviders === true ||
          backend.mode === 'remote' ||
          configuredProviders(ctx.config).length === 0;
        const files = await write(a, ctx, o.output, { allProviders: all, nowMs: Date.now() });
        const settings = exampleSettingsNote(backend, ctx.config, all);
        if (out.json) return printJson(out, { approvalId: id, files, settings: settings.kind });
        for (const f of files) out.out(f);
        if (settings.note) out.err(settings.note);
      }),
    );
}

/**
 * Whether the written files carry the deployment's provider settings or the example ones
 * (`jira.example`, `servicenow.example`, example variable names), said plainly on stderr.
 */
function exampleSettingsNote(
  backend: Backend,
  config: NotificationsConfig,
  all: boolean,
): { kind: 'configured' | 'example' | 'mixed'; note?: string } {
  if (backend.mode === 'remote') {
    return {
      kind: 'example',
      note: "note: EXAMPLE provider settings (hosts like jira.example, example variable names): a server's notification settings are not readable over the API; run with --config <the server's countersign.yaml> for the real ones",
    };
  }
  const configured = configuredProviders(config);
  if (!all || configured.length === PROVIDER_NAMES.length) return { kind: 'configured' };
  const example = PROVIDER_NAMES.filter((p) => !configured.includes(p));
  return {
    kind: configured.length === 0 ? 'example' : 'mixed',
    note: `note: EXAMPLE settings for the providers this configuration does not set up: ${example.join(', ')}`,
  };
}

const opts = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();

/** Registers the notification and resume commands on the `approval` command. */
export function registerNotifyCommands(approval: Command): void {
  exportCommand(
    approval,
    'export-notifications',
    "write each provider's native payload for the request: DIR/<provider>-<event>.json",
    exportNotifications,
  );
  exportCommand(
    approval,
    'provider-requests',
    'write credential-free HTTP request specs: DIR/<provider>-<event>.request.json',
    exportProviderRequests,
  );

  approval
    .command('deliver <id>')
    .description('deliver the request’s notifications now; prints redacted delivery evidence')
    .option('--provider <name...>', `only these: ${TARGETS.join(', ')}`)
    .action((id: string, o: { provider?: string[] }, cmd: Command) =>
      runCommand(opts(cmd), async (backend, out) => {
        const providers = parseTargets(o.provider);
        const deliveries = (await backend.deliver(id, providers ? { providers } : {}))
          .deliveries as DeliveryView[];
        if (out.json) return printJson(out, { approvalId: id, deliveries });
        if (deliveries.length === 0) out.out('nothing to deliver (no provider configured for it)');
        for (const d of deliveries) out.out(deliveryLine(d));
        if (deliveries.some((d) => d.status === 'dead' || d.status === 'failed')) {
          process.exitCode = EXIT.rejected;
        }
      }),
    );

  approval
    .command('wait <id>')
    .description(
      'wait until the request is decided: exit 0 approved, 1 denied/expired/cancelled/revoked, 6 still pending at the timeout',
    )
    .option('--timeout <duration>', 'how long to wait (e.g. 30s, 10m)', '10m')
    .action((id: string, o: { timeout: string }, cmd: Command) =>
      runCommand(opts(cmd), async (backend, out) => {
        const timeoutMs = parseDuration(o.timeout);
        if (timeoutMs === undefined) {
          throw new InputError('validation_failed', '--timeout is not a duration', [
            { path: '--timeout', message: 'must be like 30s or 10m' },
          ]);
        }
        const a =
          backend.mode === 'remote'
            ? await backend.waitForDecision(id, { timeoutMs })
            : await waitLocal(backend, id, timeoutMs);
        if (out.json) printJson(out, a);
        else out.out(`${a.id} ${a.state}`);
        process.exitCode =
          a.state === 'approved' ? EXIT.ok : a.state === 'pending' ? EXIT.pending : EXIT.rejected;
      }),
    );
}
