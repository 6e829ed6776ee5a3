/**
 * Break-glass: an immediately approved request with mandatory evidence (reason, approver group,
 * a short expiry within policy, external reference). Two steps: fill in, then confirm.
 */
import { ApiError, postJson } from './api.js';
import { dl, h, code } from './dom.js';
import { errorBox, heading, main, navigate, setTitle, showIn } from './shell.js';
import type { Approval } from './types.js';

const EXPIRIES = ['15m', '30m', '1h', '2h', '4h'];

function field(id: string, label: string, input: HTMLElement, help?: string): HTMLElement {
  if (help) input.setAttribute('aria-describedby', `${id}-help`);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    input,
    help ? h('p', { id: `${id}-help`, class: 'muted small' }, help) : null,
  );
}

export function renderBreakGlass(): () => void {
  setTitle('Break-glass');
  const inp = (id: string, attrs: Record<string, string | boolean> = {}) =>
    h('input', { id, name: id, maxlength: 256, ...attrs });
  const kind = inp('bg-kind', { required: true, value: 'deploy', pattern: '[a-z][a-z0-9_.\\-]*' });
  const environment = inp('bg-environment', { required: true });
  const project = inp('bg-project', { required: true });
  const target = inp('bg-target');
  const spec = h('textarea', {
    id: 'bg-spec',
    name: 'bg-spec',
    rows: 3,
    required: true,
    maxlength: 20000,
  });
  const actionJson = h('textarea', {
    id: 'bg-action',
    name: 'bg-action',
    rows: 4,
    maxlength: 60000,
  });
  const reason = h('textarea', {
    id: 'bg-reason',
    name: 'bg-reason',
    rows: 3,
    required: true,
    maxlength: 2000,
  });
  const group = inp('bg-group', { required: true });
  const expires = h(
    'select',
    { id: 'bg-expires', name: 'bg-expires' },
    EXPIRIES.map((e) => h('option', { value: e, selected: e === '1h' }, e)),
  );
  const ref = inp('bg-ref', { required: true });
  const problems = h('div', { 'aria-live': 'assertive' });
  const confirmArea = h('div');

  const form = h(
    'form',
    { class: 'card break-glass-form', novalidate: true },
    h(
      'p',
      { class: 'break-glass-banner' },
      '⚠ Break-glass approves the action immediately, without review. It notifies loudly, stands out in the queue and audit log, and reviewers may revoke it. Use it for incidents only.',
    ),
    h(
      'fieldset',
      null,
      h('legend', null, 'The action'),
      field('bg-kind', 'Kind', kind),
      field('bg-environment', 'Environment', environment),
      field('bg-project', 'Project', project),
      field('bg-target', 'Target (optional)', target),
      field(
        'bg-spec',
        'Spec as JSON',
        spec,
        'The exact thing that will run; its canonical hash binds the approval.',
      ),
      field('bg-action', 'Or the whole action as JSON (overrides the fields above)', actionJson),
    ),
    h(
      'fieldset',
      null,
      h('legend', null, 'Mandatory evidence'),
      field('bg-reason', 'Reason', reason),
      field(
        'bg-group',
        'Approver group',
        group,
        'The group answerable for this action (one policy routes it to, or a break-glass group).',
      ),
      field(
        'bg-expires',
        'Expires in',
        expires,
        'Short by design; policy sets the maximum (4h unless configured).',
      ),
      field('bg-ref', 'External reference (incident id)', ref),
    ),
    h('button', { type: 'submit', class: 'danger' }, 'Review break-glass…'),
    problems,
  );

  const collect = (): { body: Record<string, unknown> } | { errors: string[] } => {
    const errors: string[] = [];
    let action: Record<string, unknown>;
    if (actionJson.value.trim()) {
      try {
        action = JSON.parse(actionJson.value) as Record<string, unknown>;
        if (typeof action !== 'object' || action === null || Array.isArray(action))
          throw new Error();
      } catch {
        return { errors: ['Action JSON: must be a JSON object'] };
      }
    } else {
      action = {
        kind: kind.value.trim(),
        environment: environment.value.trim(),
        project: project.value.trim(),
      };
      if (target.value.trim()) action['target'] = target.value.trim();
      if (!spec.value.trim()) errors.push('Spec: required (the exact thing that will run)');
      else {
        try {
          action['spec'] = JSON.parse(spec.value) as unknown;
        } catch {
          errors.push('Spec: must be valid JSON');
        }
      }
      if (!action['kind']) errors.push('Kind: required');
      if (!action['environment']) errors.push('Environment: required');
      if (!action['project']) errors.push('Project: required');
    }
    if (!reason.value.trim()) errors.push('Reason: required');
    if (!group.value.trim()) errors.push('Approver group: required');
    if (!ref.value.trim()) errors.push('External reference: required');
    if (errors.length) return { errors };
    return {
      body: {
        action,
        reason: reason.value.trim(),
        approverGroup: group.value.trim(),
        expiresIn: expires.value,
        externalRef: ref.value.trim(),
      },
    };
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const got = collect();
    if ('errors' in got) {
      showIn(
        problems,
        errorBox(
          new ApiError(
            400,
            'validation_failed',
            'break-glass needs complete evidence',
            got.errors.map((e) => ({
              path: e.split(':')[0] ?? '',
              message: e.split(': ')[1] ?? '',
            })),
          ),
        ),
      );
      return;
    }
    problems.replaceChildren();
    const b = got.body;
    const a = b['action'] as Record<string, unknown>;
    const confirm = h(
      'button',
      { type: 'button', class: 'danger', 'data-testid': 'confirm-break-glass' },
      'Declare break-glass now',
    );
    const back = h('button', { type: 'button' }, 'Back to the form');
    const outcome = h('div', { 'aria-live': 'assertive' });
    const panel = h(
      'section',
      { class: 'card confirm', role: 'region', 'aria-labelledby': 'confirm-title', tabindex: '-1' },
      h('h2', { id: 'confirm-title' }, 'Confirm break-glass'),
      h('p', null, 'This creates an approved request at once, in your name. Check the evidence:'),
      dl([
        ['Action', code(JSON.stringify(a))],
        ['Reason', String(b['reason'])],
        ['Approver group', String(b['approverGroup'])],
        ['Expires in', String(b['expiresIn'])],
        ['External reference', String(b['externalRef'])],
      ]),
      h('div', { class: 'buttons' }, confirm, back),
      outcome,
    );
    back.addEventListener('click', () => {
      confirmArea.replaceChildren();
      form.hidden = false;
      reason.focus();
    });
    confirm.addEventListener('click', () => {
      confirm.disabled = true;
      postJson<Approval>('/v1/approvals/break-glass', b).then(
        (created) => navigate(`/approvals/${created.id}`),
        (err: unknown) => {
          confirm.disabled = false;
          showIn(outcome, errorBox(err));
        },
      );
    });
    form.hidden = true;
    confirmArea.replaceChildren(panel);
    panel.focus();
  });

  showIn(main(), heading('Declare break-glass'), form, confirmArea);
  return () => undefined;
}
