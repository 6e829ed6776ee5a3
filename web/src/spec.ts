/**
 * "What changes": the spec as a readable tree and, when the request follows an earlier approval
 * of the same environment, project and kind, what changed since (the same spec-diff module the
 * CLI prints with), whether the spec hash is a registered pipeline version, and the links.
 */
import { diffSpecs, describeChange, specTree, type SpecNode } from '../../src/lib/spec-diff.js';
import { code, externalLink, when } from './dom.js';
import { html, nothing, type TemplateResult } from './lit.js';
import { link } from './shell.js';
import type { Approval } from './types.js';

function tree(nodes: SpecNode[]): TemplateResult {
  return html`<ul class="spec-tree">
    ${nodes.map((n) =>
      n.children
        ? html`<li><span class="spec-key">${n.key}:</span>${tree(n.children)}</li>`
        : html`<li>
            <span class="spec-key">${n.key}:</span>
            <span class="spec-value">${n.value}</span>
          </li>`,
    )}
  </ul>`;
}

function changesSince(a: Approval, prev: Approval): TemplateResult {
  const decided = prev.decidedAt ?? prev.createdAt;
  const approvers = prev.reviews.filter((r) => r.verdict === 'approve').map((r) => r.reviewer.name);
  const head = html`Since ${link(`/approvals/${encodeURIComponent(prev.id)}`, 'the last approval')}
  (${when(decided)}${approvers.length ? html`, by ${approvers.join(', ')}` : nothing}):`;
  if (a.action.spec === undefined || prev.action.spec === undefined) {
    return html`<p data-testid="spec-diff">
      ${head}
      ${
        prev.action.specHash === a.action.specHash
          ? 'the same spec hash.'
          : 'the spec hash differs (only hashes were sent, so no field-by-field comparison).'
      }
    </p>`;
  }
  const changes = diffSpecs(prev.action.spec, a.action.spec);
  if (changes.length === 0)
    return html`<p data-testid="spec-diff">${head} <strong>no changes</strong>, the same spec.</p>`;
  return html`<div data-testid="spec-diff">
    <p>${head} <strong>${changes.length} change${changes.length === 1 ? '' : 's'}</strong></p>
    <ul class="changes">
      ${changes
        .slice(0, 50)
        .map((c) => html`<li class=${`change change-${c.kind}`}>${describeChange(c)}</li>`)}
      ${changes.length > 50 ? html`<li>… and ${changes.length - 50} more</li>` : nothing}
    </ul>
  </div>`;
}

function registered(a: Approval): TemplateResult | typeof nothing {
  const v = a.registeredVersion;
  if (v === undefined) return nothing;
  return v
    ? html`<p class="registered" data-testid="registered-version">
        ✓ Registered pipeline version <strong>${v.version}</strong> (by ${v.registeredBy},
        ${when(v.registeredAt)})
      </p>`
    : html`<p class="muted" data-testid="registered-version">
        The spec hash is not a registered pipeline version of ${a.action.project}.
      </p>`;
}

function links(a: Approval): TemplateResult | typeof nothing {
  const act = a.action;
  const commit =
    typeof act.spec === 'object' && act.spec !== null
      ? ((act.spec as Record<string, unknown>)['commit'] as string | undefined)
      : undefined;
  const rows: [string, TemplateResult | string][] = [];
  if (act.repository) rows.push(['Repository', externalLink(a.links.repository, act.repository)]);
  if (act.workflow) rows.push(['Workflow', externalLink(a.links.workflow, act.workflow)]);
  if (act.runId || act.stepId)
    rows.push([
      'Run / step',
      externalLink(a.links.run, `${act.runId ?? '—'} / ${act.stepId ?? '—'}`),
    ]);
  if (a.links.commit || typeof commit === 'string')
    rows.push(['Commit', externalLink(a.links.commit, String(commit ?? 'commit'))]);
  if (rows.length === 0) return nothing;
  return html`<dl class="facts links" data-testid="links">
    ${rows.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v}</dd>`,
    )}
  </dl>`;
}

/** `previous`: undefined while loading, null when there is no earlier approval. */
export function whatChanges(a: Approval, previous: Approval | null | undefined): TemplateResult {
  const spec = a.action.spec;
  return html`<section class="card what-changes" aria-labelledby="s-what-changes">
    <h2 id="s-what-changes">What changes</h2>
    ${
      previous === undefined
        ? html`<p class="muted">Looking for the last approval…</p>`
        : previous === null
          ? html`<p class="muted" data-testid="spec-diff">
              No earlier approval of ${a.action.kind} in ${a.action.environment} /
              ${a.action.project}: nothing to compare with.
            </p>`
          : changesSince(a, previous)
    }
    ${registered(a)} ${links(a)}
    ${
      spec === undefined
        ? html`<p class="muted">
            Only the spec hash was sent: ${code(a.action.specHash)}. Compare it with what the
            pipeline built.
          </p>`
        : html`<details class="spec" ?open=${JSON.stringify(spec).length < 4000} data-testid="spec">
            <summary>The spec</summary>
            ${tree(specTree(spec))}
          </details>`
    }
  </section>`;
}
