/**
 * Files behind `countersign approval export-notifications` and `approval provider-requests`:
 * `DIR/<provider>-<event>.json` and `DIR/<provider>-<event>.request.json`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApprovalRequest } from '../domain/approval.js';
import { eventsFor } from './events.js';
import type { NotificationEvent } from './events.js';
import { configuredProviders, PROVIDER_NAMES } from './providers.js';
import type { ProviderName } from './providers.js';
import { renderPayload } from './render.js';
import { providerRequest } from './request-spec.js';
import type { NotifyContext } from './summary.js';

export interface ExportOptions {
  /** Export all five providers, using example settings for unconfigured ones. */
  readonly allProviders?: boolean;
  /** With a time, a pending request past its expiry exports as decided `expired`. */
  readonly nowMs?: number;
}

async function writeAll(
  approval: ApprovalRequest,
  ctx: NotifyContext,
  dir: string,
  options: ExportOptions,
  suffix: string,
  content: (p: ProviderName, e: NotificationEvent) => unknown,
): Promise<string[]> {
  const providers = options.allProviders ? PROVIDER_NAMES : configuredProviders(ctx.config);
  const events = eventsFor(approval, options.nowMs);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const provider of providers) {
    for (const event of events) {
      const file = join(dir, `${provider}-${event.kind}${suffix}`);
      await writeFile(file, `${JSON.stringify(content(provider, event), null, 2)}\n`, 'utf8');
      written.push(file);
    }
  }
  return written;
}

/** Writes each provider's native payload for every event that applies; returns the paths. */
export function exportNotifications(
  approval: ApprovalRequest,
  ctx: NotifyContext,
  dir: string,
  options: ExportOptions = {},
): Promise<string[]> {
  return writeAll(approval, ctx, dir, options, '.json', (p, e) =>
    renderPayload(p, e, approval, ctx),
  );
}

/** Writes the credential-free request spec for each provider and event; returns the paths. */
export function exportProviderRequests(
  approval: ApprovalRequest,
  ctx: NotifyContext,
  dir: string,
  options: ExportOptions = {},
): Promise<string[]> {
  return writeAll(approval, ctx, dir, options, '.request.json', (p, e) =>
    providerRequest(p, e, approval, ctx),
  );
}
