/** How the CLI prints: `--json` for machines, short readable text for people. */
import type { Approval, Decision, PipelineVersion } from '../client/types.js';
import { diffSpecs, describeChange, specTreeLines } from '../lib/spec-diff.js';

export interface Output {
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
}

export const stdio = (json: boolean): Output => ({
  json,
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
});

export function printJson(o: Output, value: unknown): void {
  o.out(JSON.stringify(value, null, 2));
}

export function describeDecision(d: Decision): string {
  const lines = [
    `decision:     ${d.decisionId}`,
    `outcome:      ${d.outcome} (${d.reasonCode})`,
    `reason:       ${d.reason}`,
    `matched rule: ${d.matchedRule ?? '-'}`,
  ];
  if (d.approverGroups.length > 0) {
    lines.push(
      `approvers:    ${d.approverGroups.join(', ')}${d.quorum ? ` (min ${d.quorum.min}, ${d.quorum.mode})` : ''}`,
    );
  }
  if (d.routedBy) lines.push(`routed by:    ${d.routedBy}`);
  if (d.requiredCapabilities.length > 0)
    lines.push(`capabilities: ${d.requiredCapabilities.join(', ')}`);
  if (d.riskTags.length > 0) lines.push(`risk tags:    ${d.riskTags.join(', ')}`);
  lines.push(`action hash:  ${d.actionHash}`, `policy:       ${d.policySnapshot}`);
  return lines.join('\n');
}

export function describeApproval(a: Approval): string {
  const act = a.action;
  const lines = [
    `${a.id}  ${a.state.toUpperCase()}${a.breakGlass ? '  [BREAK-GLASS]' : ''}`,
    `action:       ${act.kind} ${act.mode} ${act.environment}/${act.project}${act.target ? ` → ${act.target}` : ''}`,
    `spec hash:    ${act.specHash}`,
    `requested by: ${a.requestedBy.name} (${a.requestedBy.id}) at ${a.createdAt}`,
    a.state === 'pending' || a.breakGlass
      ? `expires:      ${a.expiresAt}`
      : `decided:      ${a.decidedAt ?? '-'}`,
    `approvers:    ${a.approverGroups.join(', ')} — ${a.progress.approvals}/${a.progress.min} (${a.quorum.mode})` +
      (a.state === 'pending' && a.progress.missingGroups.length > 0
        ? `, still needed: ${a.progress.missingGroups.join(', ')}`
        : ''),
    `rule:         ${a.decision.matchedRule ?? '-'} — ${a.decision.reason}`,
  ];
  if (a.ruleDescription) lines.push(`              ${a.ruleDescription}`);
  if (a.decision.requiredCapabilities.length > 0) {
    lines.push(`capabilities: ${a.decision.requiredCapabilities.join(', ')}`);
  }
  if (a.registeredVersion !== undefined) {
    const v = a.registeredVersion;
    lines.push(
      v
        ? `version:      ${v.version} (registered by ${v.registeredBy} at ${v.registeredAt})`
        : `version:      not a registered pipeline version of ${act.project}`,
    );
  }
  if (a.breakGlass) {
    lines.push(
      `break-glass:  ${a.breakGlass.reason} (group ${a.breakGlass.approverGroup}, ref ${a.breakGlass.externalRef ?? '-'})`,
    );
  }
  for (const r of a.reviews) {
    lines.push(
      `  ${r.verdict === 'approve' ? '✓' : '✗'} ${r.reviewer.name} [${r.groups.join(', ')}] ${r.at}: ${r.reason || '(no reason)'}` +
        (r.externalRef ? ` (ref ${r.externalRef})` : '') +
        (r.via ? ` [via ${r.via}]` : ''),
    );
  }
  for (const rec of a.records ?? []) {
    const where = rec.channel ? ` in ${rec.channel}` : '';
    lines.push(`record:       ${rec.provider} ${rec.key}${where}`);
  }
  // who ended it, and why, is in the history (expired, cancelled, revoked)
  const ending = a.history.filter((h) => ['expired', 'cancelled', 'revoked'].includes(h.event));
  for (const h of ending) {
    lines.push(
      `  ${h.event} by ${h.actorName ?? h.actor} ${h.at}${h.reason ? `: ${h.reason}` : ''}`,
    );
  }
  return lines.join('\n');
}

/**
 * What changes: the spec as an indented tree, and what changed since the approval this request
 * follows (same environment, project and kind), leaf by leaf — the same text the console shows.
 */
export function describeSpec(a: Approval, previous: Approval | null): string {
  const spec = a.action.spec;
  const lines: string[] = [];
  if (spec === undefined) {
    lines.push('spec:         not sent (only its hash is known)');
  } else {
    lines.push('spec:');
    for (const l of specTreeLines(spec, 60)) lines.push(`  ${l}`);
  }
  if (!previous) {
    lines.push('changes:      no earlier approval for this environment, project and kind');
  } else if (spec === undefined || previous.action.spec === undefined) {
    lines.push(
      `changes:      since ${previous.id} (approved ${previous.decidedAt ?? previous.createdAt}): ` +
        (previous.action.specHash === a.action.specHash
          ? 'same spec hash'
          : 'spec hash differs (a spec was not sent, so no field-by-field diff)'),
    );
  } else {
    const changes = diffSpecs(previous.action.spec, spec);
    lines.push(
      `changes:      since ${previous.id} (approved ${previous.decidedAt ?? previous.createdAt}): ${
        changes.length === 0 ? 'none, the same spec' : `${changes.length}`
      }`,
    );
    for (const c of changes.slice(0, 40)) lines.push(`  ${describeChange(c)}`);
    if (changes.length > 40) lines.push(`  … and ${changes.length - 40} more`);
  }
  const links = Object.entries(a.links ?? {});
  for (const [name, url] of links) lines.push(`${`${name}:`.padEnd(14)}${url}`);
  return lines.join('\n');
}

/** The header of `approval list`, matching {@link approvalCells}. */
export const APPROVAL_COLUMNS = ['ID', 'STATE', 'ACTION', 'WHERE', 'APPROVALS', 'REQUESTED BY'];

/** One `approval list` row. */
export function approvalCells(a: Approval): string[] {
  const act = a.action;
  return [
    a.id,
    a.state,
    `${act.kind}/${act.mode}`,
    `${act.environment}/${act.project}`,
    `${a.progress.approvals}/${a.progress.min}`,
    a.breakGlass ? `BREAK-GLASS (${a.requestedBy.name})` : a.requestedBy.name,
  ];
}

/** A table with a header row; columns padded to their widest cell, the last one left ragged. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Pipeline versions as a table with a header. */
export function versionTable(items: readonly PipelineVersion[]): string {
  const width = Math.max(7, ...items.map((v) => v.version.length));
  const row = (version: string, specHash: string, at: string, by: string) =>
    [version.padEnd(width), specHash.padEnd(71), at.padEnd(24), by].join('  ');
  return [
    row('VERSION', 'SPEC HASH', 'REGISTERED AT', 'REGISTERED BY'),
    ...items.map((v) => row(v.version, v.specHash, v.registeredAt, v.registeredBy)),
  ].join('\n');
}
