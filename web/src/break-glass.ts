/**
 * Break-glass: an immediately approved request with mandatory evidence. The choices come from
 * policy (GET /v1/policy/break-glass-options): environments that allow it, their approver groups
 * and longest expiry, known projects and kinds. Two steps: fill in, then confirm a plain-language
 * summary of what will be recorded.
 */
import { specTreeLines } from '../../src/lib/spec-diff.js';
import { ApiError, currentAuth, getJson, postJson } from './api.js';
import { dl } from './dom.js';
import { localTime } from './format.js';
import { html, live, nothing, type TemplateResult } from './lit.js';
import { errorBox, heading, navigate, setTitle, show } from './shell.js';
import type { Approval, BreakGlassOptions } from './types.js';
import { whoLabel } from './signin.js';

const EXPIRIES: [string, number][] = [
  ['15m', 900],
  ['30m', 1800],
  ['1h', 3600],
  ['2h', 7200],
  ['4h', 14_400],
  ['8h', 28_800],
  ['24h', 86_400],
];

type Env = BreakGlassOptions['environments'][number];

interface Form {
  kind: string;
  environment: string;
  project: string;
  target: string;
  spec: string;
  action: string;
  reason: string;
  group: string;
  expires: string;
  ref: string;
}

function field(id: string, label: string, input: TemplateResult, help?: string): TemplateResult {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${input} ${help ? html`<p id=${`${id}-help`} class="muted small">${help}</p>` : nothing}
  </div>`;
}

export function renderBreakGlass(): () => void {
  setTitle('Break-glass');
  const f: Form = {
    kind: 'deploy',
    environment: '',
    project: '',
    target: '',
    spec: '',
    action: '',
    reason: '',
    group: '',
    expires: '1h',
    ref: '',
  };
  let options: BreakGlassOptions | null = null;
  let optionsError: unknown = null;
  let problems: TemplateResult | typeof nothing = nothing;
  let confirm: { body: Record<string, unknown>; action: Record<string, unknown> } | null = null;
  let outcome: TemplateResult | typeof nothing = nothing;
  let sending = false;

  const env = (): Env | undefined => options?.environments.find((e) => e.id === f.environment);
  const bind = (k: keyof Form) => (ev: Event) => {
    f[k] = (ev.target as HTMLInputElement).value;
    if (k === 'environment') {
      const e = env();
      if (e && !e.approverGroups.includes(f.group)) f.group = e.approverGroups[0] ?? '';
      if (e && !EXPIRIES.some(([v, s]) => v === f.expires && s <= e.maxDurationSec))
        f.expires = '15m';
    }
    draw();
  };

  const collect = ():
    { body: Record<string, unknown>; action: Record<string, unknown> } | string[] => {
    const errors: string[] = [];
    let action: Record<string, unknown>;
    if (f.action.trim()) {
      try {
        action = JSON.parse(f.action) as Record<string, unknown>;
        if (typeof action !== 'object' || action === null || Array.isArray(action))
          throw new Error();
      } catch {
        return ['Action JSON: must be a JSON object'];
      }
    } else {
      action = { kind: f.kind.trim(), environment: f.environment, project: f.project.trim() };
      if (f.target.trim()) action['target'] = f.target.trim();
      if (!f.spec.trim()) errors.push('Spec: required (the exact thing that will run)');
      else {
        try {
          action['spec'] = JSON.parse(f.spec) as unknown;
        } catch {
          errors.push('Spec: must be valid JSON');
        }
      }
      if (!action['kind']) errors.push('Kind: required');
      if (!action['environment']) errors.push('Environment: required');
      if (!action['project']) errors.push('Project: required');
    }
    if (!f.reason.trim()) errors.push('Reason: required');
    if (!f.group) errors.push('Approver group: required');
    if (!f.ref.trim() && (env()?.requireExternalRef ?? true))
      errors.push('External reference: required');
    if (errors.length) return errors;
    return {
      action,
      body: {
        action,
        reason: f.reason.trim(),
        approverGroup: f.group,
        expiresIn: f.expires,
        ...(f.ref.trim() ? { externalRef: f.ref.trim() } : {}),
      },
    };
  };

  const review = (ev: Event) => {
    ev.preventDefault();
    const got = collect();
    if (Array.isArray(got)) {
      problems = errorBox(
        new ApiError(
          400,
          'validation_failed',
          'break-glass needs complete evidence',
          got.map((e) => ({ path: e.split(':')[0] ?? '', message: e.split(': ')[1] ?? '' })),
        ),
      );
      draw();
      return;
    }
    problems = nothing;
    outcome = nothing;
    confirm = got;
    draw();
    document.getElementById('confirm-panel')?.focus();
  };

  const declare = () => {
    if (!confirm || sending) return;
    sending = true;
    draw();
    postJson<Approval>('/v1/approvals/break-glass', confirm.body).then(
      (created) => navigate(`/approvals/${created.id}`),
      (err: unknown) => {
        sending = false;
        outcome = errorBox(err);
        draw();
      },
    );
  };

  const confirmPanel = (c: NonNullable<typeof confirm>): TemplateResult => {
    const a = c.action;
    const seconds = EXPIRIES.find(([v]) => v === c.body['expiresIn'])?.[1] ?? 3600;
    const until = new Date(Date.now() + seconds * 1000).toISOString();
    const what = `${String(a['kind'] ?? '?')}${a['target'] ? ` ${String(a['target'])}` : ''}`;
    return html`<section
      class="card confirm"
      role="region"
      aria-labelledby="confirm-title"
      tabindex="-1"
      id="confirm-panel"
      data-testid="confirm-panel"
    >
      <h2 id="confirm-title">Confirm break-glass</h2>
      <p class="confirm-sentence">
        You are about to approve <strong>${what}</strong> in
        <strong>${String(a['environment'] ?? '?')} / ${String(a['project'] ?? '?')}</strong> at
        once, without review, in your name (${whoLabel(currentAuth())}).
      </p>
      ${dl([
        ['Why', String(c.body['reason'])],
        ['Answerable group', `${String(c.body['approverGroup'])} (its reviewers may revoke it)`],
        ['Valid for', `${String(c.body['expiresIn'])}, until about ${localTime(until)}`],
        ['Incident', c.body['externalRef'] ? String(c.body['externalRef']) : 'none given'],
        [
          'What will run',
          a['spec'] === undefined
            ? `spec hash ${String(a['specHash'] ?? '—')}`
            : html`<pre class="spec-lines">${specTreeLines(a['spec'], 40).join('\n')}</pre>`,
        ],
      ])}
      <p class="muted small">It notifies loudly, and stands out in the queue and the audit log.</p>
      <div class="buttons">
        <button
          type="button"
          class="danger"
          data-testid="confirm-break-glass"
          ?disabled=${sending}
          @click=${declare}
        >
          Declare break-glass now
        </button>
        <button
          type="button"
          @click=${() => ((confirm = null), draw(), document.getElementById('bg-reason')?.focus())}
        >
          Back to the form
        </button>
      </div>
      <div aria-live="assertive">${outcome}</div>
    </section>`;
  };

  const form = (): TemplateResult => {
    const envs = options?.environments ?? [];
    const e = env();
    const declarable = envs.filter((x) => x.mayDeclare);
    return html`<form
      class="card break-glass-form"
      novalidate
      @submit=${review}
      ?hidden=${confirm !== null}
    >
      <p class="break-glass-banner">
        ⚠ Break-glass approves the action immediately, without review. It notifies loudly, stands
        out in the queue and audit log, and reviewers may revoke it. Use it for incidents only.
      </p>
      ${optionsError ? errorBox(optionsError) : nothing}
      ${
        options && declarable.length === 0
          ? html`<p class="alert alert-error" role="note" data-testid="no-break-glass">
              ${
                envs.length === 0
                  ? 'Policy allows break-glass in no environment.'
                  : `You are in none of the groups that may declare break-glass (${[...new Set(envs.flatMap((x) => x.declarerGroups))].join(', ')}).`
              }
            </p>`
          : nothing
      }
      <fieldset>
        <legend>The action</legend>
        ${field(
          'bg-environment',
          'Environment',
          html`<select id="bg-environment" required @change=${bind('environment')}>
            <option value="" ?selected=${!f.environment}>choose…</option>
            ${envs.map(
              (x) =>
                html`<option value=${x.id} ?selected=${x.id === f.environment}>
                  ${x.id} (${x.posture})${x.mayDeclare ? '' : ' — you may not declare here'}
                </option>`,
            )}
          </select>`,
          e
            ? `Declarers: ${e.declarerGroups.join(', ')}; longest expiry ${e.maxDurationSec / 60} min; incident id ${e.requireExternalRef ? 'required' : 'optional'}.`
            : 'Only environments whose policy allows break-glass are listed.',
        )}
        ${field(
          'bg-project',
          'Project',
          html`<input
              id="bg-project"
              list="bg-projects"
              required
              maxlength="128"
              .value=${live(f.project)}
              @input=${bind('project')}
            />
            <datalist id="bg-projects">
              ${(options?.projects ?? []).map((p) => html`<option value=${p}></option>`)}
            </datalist>`,
          'Projects with requests on this server are suggested.',
        )}
        ${field(
          'bg-kind',
          'Kind',
          html`<input
              id="bg-kind"
              list="bg-kinds"
              required
              maxlength="128"
              .value=${live(f.kind)}
              @input=${bind('kind')}
            />
            <datalist id="bg-kinds">
              ${(e?.kinds ?? []).map((k) => html`<option value=${k}></option>`)}
            </datalist>`,
        )}
        ${field(
          'bg-target',
          'Target (optional)',
          html`<input
            id="bg-target"
            maxlength="1024"
            .value=${live(f.target)}
            @input=${bind('target')}
          />`,
        )}
        ${field(
          'bg-spec',
          'Spec as JSON',
          html`<textarea
            id="bg-spec"
            rows="3"
            maxlength="20000"
            .value=${live(f.spec)}
            @input=${bind('spec')}
          ></textarea>`,
          'The exact thing that will run; its canonical hash binds the approval.',
        )}
        ${field(
          'bg-action',
          'Or the whole action as JSON (overrides the fields above)',
          html`<textarea
            id="bg-action"
            rows="3"
            maxlength="60000"
            .value=${live(f.action)}
            @input=${bind('action')}
          ></textarea>`,
        )}
      </fieldset>
      <fieldset>
        <legend>Mandatory evidence</legend>
        ${field(
          'bg-reason',
          'Reason',
          html`<textarea
            id="bg-reason"
            rows="3"
            required
            maxlength="2000"
            .value=${live(f.reason)}
            @input=${bind('reason')}
          ></textarea>`,
        )}
        ${field(
          'bg-group',
          'Approver group',
          html`<select id="bg-group" required @change=${bind('group')} ?disabled=${!e}>
            ${
              e
                ? e.approverGroups.map(
                    (g) => html`<option value=${g} ?selected=${g === f.group}>${g}</option>`,
                  )
                : html`<option value="">choose an environment first</option>`
            }
          </select>`,
          'The group answerable for this action; its reviewers may revoke it.',
        )}
        ${field(
          'bg-expires',
          'Expires in',
          html`<select id="bg-expires" @change=${bind('expires')}>
            ${EXPIRIES.filter(([, s]) => s <= (e?.maxDurationSec ?? 14_400)).map(
              ([v]) => html`<option value=${v} ?selected=${v === f.expires}>${v}</option>`,
            )}
          </select>`,
          'Short by design; the environment’s policy sets the maximum.',
        )}
        ${field(
          'bg-ref',
          'External reference (incident id)',
          html`<input id="bg-ref" maxlength="256" .value=${live(f.ref)} @input=${bind('ref')} />`,
        )}
      </fieldset>
      <button type="submit" class="danger">Review break-glass…</button>
      <div aria-live="assertive">${problems}</div>
    </form>`;
  };

  const draw = () =>
    show(
      html`${heading('Declare break-glass')} ${form()} ${confirm ? confirmPanel(confirm) : nothing}`,
    );

  draw();
  getJson<BreakGlassOptions>('/v1/policy/break-glass-options').then(
    (o) => {
      options = o;
      const first = o.environments.find((x) => x.mayDeclare) ?? o.environments[0];
      if (first && !f.environment) {
        f.environment = first.id;
        f.group =
          first.approverGroups.find((g) => first.declarerGroups.includes(g)) ??
          first.approverGroups[0] ??
          '';
      }
      draw();
    },
    (err: unknown) => {
      optionsError = err;
      draw();
    },
  );
  return () => undefined;
}
