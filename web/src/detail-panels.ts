/** The fact panels of a request: policy decision, who and why, quorum, scope, bindings, history. */
import { chips, code, dl, when } from './dom.js';
import { json } from './format.js';
import { html, nothing, type TemplateResult } from './lit.js';
import type { Approval } from './types.js';

function section(id: string, title: string, ...content: unknown[]): TemplateResult {
  return html`<section class="card" aria-labelledby=${id}>
    <h2 id=${id}>${title}</h2>
    ${content}
  </section>`;
}

function quorum(a: Approval): TemplateResult {
  const q = a.quorum;
  const rule =
    q.mode === 'each'
      ? `${q.min} approvals, at least one from each of: ${q.groups.join(', ')}`
      : `${q.min} approval${q.min === 1 ? '' : 's'} from any of: ${q.groups.join(', ')}`;
  return section(
    's-quorum',
    'Quorum',
    html`<p>${rule}</p>
      <p class="progress-line">
        <progress
          max=${a.progress.min}
          .value=${Math.min(a.progress.approvals, a.progress.min)}
          aria-label="Approvals so far"
        ></progress>
        <span data-testid="progress"> ${a.progress.approvals} of ${a.progress.min} approvals</span>
        ${a.progress.met ? html`<span class="badge state-approved">met</span>` : nothing}
      </p>
      ${
        a.progress.missingGroups.length
          ? html`<p>Still needed from: ${chips(a.progress.missingGroups)}</p>`
          : nothing
      }
      ${
        a.reviews.length
          ? html`<ul class="reviews">
              ${a.reviews.map(
                (r) =>
                  html`<li class=${`verdict-${r.verdict}`}>
                    <strong>${r.reviewer.name}</strong>
                    ${r.verdict === 'approve' ? 'approved' : 'denied'}
                    ${r.groups.length ? `as ${r.groups.join(', ')}` : ''} · ${when(r.at)}
                    ${
                      r.via === 'slack'
                        ? html`<span class="badge" data-testid="review-via">via Slack</span>`
                        : nothing
                    }
                    <div class="muted">
                      ${r.reason ? `“${r.reason}”` : 'no reason given'}
                      ${r.externalRef ? ` (${r.externalRef})` : ''}
                    </div>
                  </li>`,
              )}
            </ul>`
          : html`<p class="muted">No reviews yet.</p>`
      }`,
  );
}

function history(a: Approval): TemplateResult {
  return section(
    's-history',
    'History',
    html`<ol class="history" data-testid="history">
      ${a.history.map(
        (e) =>
          html`<li>
            ${when(e.at)} <strong>${e.event}</strong> by
            <span title=${e.actor}>${e.actorName ?? e.actor}</span>
            ${e.reason ? html`<div class="muted">${e.reason}</div>` : nothing}
            ${e.externalRef ? html`<div class="muted">ref ${e.externalRef}</div>` : nothing}
          </li>`,
      )}
    </ol>`,
  );
}

const RECORD_NAMES: Record<string, string> = {
  slack: 'Slack message',
  jira: 'Jira issue',
  servicenow: 'ServiceNow change',
};

/** The Slack message, Jira issue or ServiceNow change kept in step with this request. */
function records(a: Approval): TemplateResult | typeof nothing {
  if (!a.records || a.records.length === 0) return nothing;
  return section(
    's-records',
    'Tickets and messages',
    html`<ul class="records" data-testid="records">
      ${a.records.map(
        (r) =>
          html`<li>
            <strong>${RECORD_NAMES[r.provider] ?? r.provider}</strong> ${code(r.key)}${
              r.channel ? ` in ${r.channel}` : ''
            }
          </li>`,
      )}
    </ul>`,
  );
}

export function panels(a: Approval) {
  const act = a.action;
  const d = a.decision;
  // the bound constraints: the policy's overlays win over what the action asked for
  const constraints = d.constraints;
  return {
    quorum: quorum(a),
    history: history(a),
    records: records(a),
    policy: section(
      's-policy',
      'Policy decision',
      dl([
        ['Matched rule', d.matchedRule ? code(d.matchedRule) : 'environment default'],
        [
          'What the rule is for',
          a.ruleDescription
            ? html`<span data-testid="rule-description">${a.ruleDescription}</span>`
            : html`<span class="muted">the policy gives no description</span>`,
        ],
        ['Decision reason', `${d.reason} (${d.reasonCode})`],
        ['Outcome', d.outcome],
        ['Approver groups', chips(a.approverGroups)],
        ['Reason to approve', a.reasonRequired ? 'required' : 'optional (policy approvalReason)'],
      ]),
    ),
    who: section(
      's-who',
      'Who and why',
      dl([
        ['Requested by', `${a.requestedBy.name} (${a.requestedBy.kind}, ${a.requestedBy.id})`],
        ['Stated reason', act.reason],
        ['Note', a.note],
        ['Requested at', when(a.createdAt)],
      ]),
    ),
    scope: section(
      's-scope',
      'Scope of impact',
      dl([
        ['Environment', act.environment],
        [
          'Posture',
          d.posture
            ? html`<span class=${`posture posture-${d.posture}`}>${d.posture}</span>`
            : null,
        ],
        ['Project', act.project],
        ['Action', `${act.kind} (${act.mode})`],
        ['Target', act.target ? code(act.target) : null],
        ['Risk tags', chips(d.riskTags, 'tag')],
        ['Severity', d.severity],
        ['Repository', act.repository],
        ['Source environment', act.sourceEnvironment],
        ['Pipeline version', act.pipelineVersion],
      ]),
    ),
    constraints: section(
      's-constraints',
      'Constraints if approved',
      Object.keys(constraints).length
        ? dl(Object.entries(constraints).map(([k, v]) => [k, code(json(v))]))
        : html`<p class="muted">No constraints.</p>`,
    ),
    capabilities: section(
      's-capabilities',
      'Capabilities',
      dl([
        ['Required by policy', chips(d.requiredCapabilities)],
        ['Declared by the caller', chips(act.capabilities ?? [])],
      ]),
    ),
    bindings: html`<section class="card" aria-labelledby="s-bindings">
      <details>
        <summary><h2 id="s-bindings">Exact bindings (hashes)</h2></summary>
        ${dl(
          [
            ['Spec hash', code(act.specHash)],
            ['Config hash', act.configHash ? code(act.configHash) : null],
            ['Action hash', code(a.actionHash)],
            ['Policy snapshot', code(d.policySnapshot)],
            ['Pipeline version', act.pipelineVersion],
          ],
          'facts hashes',
        )}
      </details>
    </section>`,
  };
}
