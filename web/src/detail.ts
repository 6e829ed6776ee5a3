/**
 * One request, everything a reviewer needs at a glance: who and which workflow, the matched rule
 * and decision reason, scope of impact, constraints, bound hashes, capabilities, quorum progress,
 * history; approve or deny with a reason in one step, or why the viewer cannot.
 */
import { ApiError, getJson, postJson } from './api.js';
import { breakGlassBadge, stateBadge } from './badges.js';
import { chips, code, dl, h } from './dom.js';
import { age, expiresIn, json, localTime } from './format.js';
import { subscribe } from './live.js';
import { CANNOT_REVIEW } from './messages.js';
import { announce, errorBox, heading, link, main, setTitle, showIn, successBox } from './shell.js';
import { downloadEvidence } from './evidence.js';
import type { Approval } from './types.js';

function section(title: string, ...content: (Node | null)[]): HTMLElement {
  const id = `s-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...content);
}

/**
 * When the credential stops verifying: its lifetime runs from approval (policy credentialTtl; the
 * server may cap it lower), and a break-glass credential never outlives the break-glass window.
 */
function credentialEnds(a: Approval): string {
  const from = Date.parse(a.decidedAt ?? a.createdAt);
  const ends = from + a.decision.credentialTtlSec * 1000;
  return new Date(a.breakGlass ? Math.min(ends, Date.parse(a.expiresAt)) : ends).toISOString();
}

function summary(a: Approval): HTMLElement {
  const now = Date.now();
  const exp = expiresIn(a.expiresAt, now);
  return h(
    'div',
    { class: 'summary' },
    stateBadge(a.state),
    breakGlassBadge(a),
    h(
      'span',
      null,
      `requested ${age(a.createdAt, now)} by `,
      h('strong', null, a.requestedBy.name),
    ),
    a.state === 'pending'
      ? h('span', { class: exp.soon ? 'soon' : null }, `expires ${exp.text}`)
      : null,
    a.state === 'approved'
      ? h('span', null, `credential valid until about ${localTime(credentialEnds(a))}`)
      : null,
  );
}

function breakGlassPanel(a: Approval): HTMLElement | null {
  if (!a.breakGlass) return null;
  return h(
    'section',
    { class: 'break-glass-banner', 'aria-label': 'Break-glass' },
    h('h2', null, '⚠ Break-glass request'),
    h(
      'p',
      null,
      'Approved immediately by its declarer, without review. Members of its approver group (or an admin) may revoke it.',
    ),
    dl([
      ['Reason', a.breakGlass.reason],
      ['Approver group', a.breakGlass.approverGroup],
      ['External reference', a.breakGlass.externalRef],
    ]),
  );
}

function quorumPanel(a: Approval): HTMLElement {
  const q = a.quorum;
  const rule =
    q.mode === 'each'
      ? `${q.min} approvals, at least one from each of: ${q.groups.join(', ')}`
      : `${q.min} approval${q.min === 1 ? '' : 's'} from any of: ${q.groups.join(', ')}`;
  return section(
    'Quorum',
    h('p', null, rule),
    h(
      'p',
      { class: 'progress-line' },
      h('progress', {
        max: a.progress.min,
        value: Math.min(a.progress.approvals, a.progress.min),
        'aria-label': 'Approvals so far',
      }),
      h(
        'span',
        { 'data-testid': 'progress' },
        ` ${a.progress.approvals} of ${a.progress.min} approvals`,
      ),
      a.progress.met ? h('span', { class: 'badge state-approved' }, 'met') : null,
    ),
    a.progress.missingGroups.length
      ? h('p', null, 'Still needed from: ', chips(a.progress.missingGroups))
      : null,
    a.reviews.length
      ? h(
          'ul',
          { class: 'reviews' },
          a.reviews.map((r) =>
            h(
              'li',
              { class: `verdict-${r.verdict}` },
              h('strong', null, r.reviewer.name),
              ` ${r.verdict === 'approve' ? 'approved' : 'denied'}`,
              r.groups.length ? ` as ${r.groups.join(', ')}` : '',
              ` · ${localTime(r.at)}`,
              r.via === 'slack'
                ? h('span', { class: 'badge', 'data-testid': 'review-via' }, 'via Slack')
                : null,
              h(
                'div',
                { class: 'muted' },
                `“${r.reason}”`,
                r.externalRef ? ` (${r.externalRef})` : '',
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No reviews yet.'),
  );
}

interface Keep {
  reason: string;
  /** The last review outcome (success or refusal): kept across live redraws. */
  flash: HTMLElement | null;
}

function reviewPanel(a: Approval, onDone: (next: Approval) => void, keep: Keep): HTMLElement {
  if (!a.canReview) {
    const why = a.cannotReviewReason ?? 'approval_not_pending';
    return section(
      'Review',
      h(
        'p',
        { class: 'cannot-review', 'data-testid': 'cannot-review' },
        CANNOT_REVIEW[why] ?? `You cannot review this request (${why}).`,
      ),
    );
  }
  const result = h('div', { 'aria-live': 'polite' });
  const reason = h('textarea', {
    id: 'review-reason',
    name: 'reason',
    required: true,
    maxlength: 2000,
    rows: 3,
  });
  reason.value = keep.reason;
  reason.addEventListener('input', () => (keep.reason = reason.value));
  const form = h(
    'form',
    { class: 'review-form' },
    h('label', { for: 'review-reason' }, 'Reason (recorded in the audit log)'),
    reason,
    h(
      'div',
      { class: 'buttons' },
      a.reviewVerdicts.includes('approve')
        ? h('button', { type: 'submit', value: 'approve', class: 'primary approve' }, 'Approve')
        : null,
      a.reviewVerdicts.includes('deny')
        ? h('button', { type: 'submit', value: 'deny', class: 'danger deny' }, 'Deny')
        : null,
    ),
    result,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const verdict =
      ((ev as SubmitEvent).submitter as HTMLButtonElement | null)?.value === 'deny'
        ? 'deny'
        : 'approve';
    if (!reason.value.trim()) {
      showIn(
        result,
        errorBox(
          new ApiError(400, 'validation_failed', 'a reason is required', [
            { path: '/reason', message: 'a reason is required' },
          ]),
        ),
      );
      reason.focus();
      return;
    }
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    postJson<Approval>(`/v1/approvals/${encodeURIComponent(a.id)}/${verdict}`, {
      reason: reason.value.trim(),
    })
      .then((next) => {
        keep.reason = '';
        const text =
          verdict === 'deny'
            ? 'Denied. The request is now denied.'
            : next.state === 'approved'
              ? 'Approved. Quorum is met: the request is now approved.'
              : `Approved. ${next.progress.approvals} of ${next.progress.min} approvals; still pending.`;
        keep.flash = successBox(text);
        onDone(next);
        announce(text);
      })
      .catch(async (err: unknown) => {
        for (const b of form.querySelectorAll('button')) b.disabled = false;
        const box = errorBox(err);
        box.tabIndex = -1;
        keep.flash = box;
        // the request may have moved on (decided, reviewed): show it as it is now, with the refusal
        const now =
          err instanceof ApiError && (err.status === 409 || err.status === 403)
            ? await getJson<Approval>(`/v1/approvals/${encodeURIComponent(a.id)}`).catch(() => null)
            : null;
        if (now) onDone(now);
        else document.getElementById('review-result')?.replaceChildren(box);
        box.focus();
      });
  });
  return section('Review', form);
}

const RECORD_NAMES: Readonly<Record<string, string>> = {
  slack: 'Slack message',
  jira: 'Jira issue',
  servicenow: 'ServiceNow change',
};

/** The Slack message, Jira issue or ServiceNow change kept in step with this request. */
function recordsPanel(a: Approval): HTMLElement | null {
  if (!a.records || a.records.length === 0) return null;
  return section(
    'Tickets and messages',
    h(
      'ul',
      { class: 'records', 'data-testid': 'records' },
      a.records.map((r) =>
        h(
          'li',
          null,
          h('strong', null, RECORD_NAMES[r.provider] ?? r.provider),
          ' ',
          code(r.key),
          r.channel ? ` in ${r.channel}` : '',
        ),
      ),
    ),
  );
}

function historyPanel(a: Approval): HTMLElement {
  return section(
    'History',
    h(
      'ol',
      { class: 'history' },
      a.history.map((e) =>
        h(
          'li',
          null,
          h('time', { datetime: e.at }, localTime(e.at)),
          ' ',
          h('strong', null, e.event),
          ` by ${e.actor}`,
          e.reason ? h('div', { class: 'muted' }, e.reason) : null,
          e.externalRef ? h('div', { class: 'muted' }, `ref ${e.externalRef}`) : null,
        ),
      ),
    ),
  );
}

function facts(a: Approval): HTMLElement[] {
  const act = a.action;
  const d = a.decision;
  const constraints = { ...d.constraints, ...act.constraints };
  return [
    section(
      'Who and why',
      dl([
        ['Requested by', `${a.requestedBy.name} (${a.requestedBy.kind}, ${a.requestedBy.id})`],
        ['Workflow', act.workflow],
        [
          'Run / step',
          act.runId || act.stepId ? `${act.runId ?? '—'} / ${act.stepId ?? '—'}` : null,
        ],
        ['Repository', act.repository],
        ['Stated reason', act.reason],
        ['Note', a.note],
      ]),
    ),
    section(
      'Policy decision',
      dl([
        ['Matched rule', d.matchedRule ? code(d.matchedRule) : 'environment default'],
        ['Decision reason', `${d.reason} (${d.reasonCode})`],
        ['Outcome', d.outcome],
        ['Approver groups', chips(a.approverGroups)],
      ]),
    ),
    section(
      'Scope of impact',
      dl([
        ['Environment', act.environment],
        [
          'Posture',
          d.posture ? h('span', { class: `posture posture-${d.posture}` }, d.posture) : null,
        ],
        ['Project', act.project],
        ['Action', `${act.kind} (${act.mode})`],
        ['Target', act.target ? code(act.target) : null],
        ['Risk tags', chips(d.riskTags, 'tag')],
        ['Severity', d.severity],
        ['Source environment', act.sourceEnvironment],
      ]),
    ),
    section(
      'Constraints if approved',
      Object.keys(constraints).length
        ? dl(Object.entries(constraints).map(([k, v]) => [k, code(json(v))]))
        : h('p', { class: 'muted' }, 'No constraints.'),
    ),
    section(
      'What exactly is approved',
      dl(
        [
          ['Spec hash', code(act.specHash)],
          ['Config hash', act.configHash ? code(act.configHash) : null],
          ['Action hash', code(a.actionHash)],
          ['Policy snapshot', code(d.policySnapshot)],
          ['Pipeline version', act.pipelineVersion],
          ['Registered version', registered(a)],
        ],
        'facts hashes',
      ),
    ),
    section(
      'Capabilities',
      dl([
        ['Required by policy', chips(d.requiredCapabilities)],
        ['Declared by the caller', chips(act.capabilities)],
      ]),
    ),
  ];
}

/** Whether the spec hash is a registered pipeline version of the project, and which. */
function registered(a: Approval): string | null {
  const v = a.registeredVersion;
  if (v === undefined) return null;
  if (v === null) return 'not a registered pipeline version of this project';
  return `${v.version} (registered by ${v.registeredBy}, ${v.registeredAt})`;
}

export function renderDetail(id: string): () => void {
  setTitle('Request');
  const keep: Keep = { reason: '', flash: null };
  let current: Approval | null = null;
  const liveDot = h('span', { class: 'live-dot', 'data-testid': 'live-status' }, 'connecting…');

  const draw = (next: Approval) => {
    // single reads carry the registry entry and the records; live updates do not: keep them
    const a = {
      ...next,
      ...(next.registeredVersion === undefined && current
        ? { registeredVersion: current.registeredVersion }
        : {}),
      ...(!next.records && current?.records ? { records: current.records } : {}),
    };
    const hadFocus = document.activeElement?.id;
    current = a;
    setTitle(`${a.action.kind} in ${a.action.environment}`);
    const evidence = h(
      'button',
      { type: 'button', 'data-testid': 'evidence' },
      'Download evidence bundle',
    );
    const evidenceResult = h('div', { 'aria-live': 'polite' });
    evidence.addEventListener('click', () => void downloadEvidence(a.id, evidenceResult));
    showIn(
      main(),
      heading(`${a.action.kind} · ${a.action.environment} / ${a.action.project}`, liveDot),
      h(
        'p',
        { class: 'muted' },
        code(a.id),
        a.action.target ? [' → ', code(a.action.target)] : null,
      ),
      summary(a),
      breakGlassPanel(a) ?? h('span'),
      h('div', { id: 'review-result' }, keep.flash),
      h(
        'div',
        { class: 'detail-grid' },
        h(
          'div',
          { class: 'col' },
          reviewPanel(a, draw, keep),
          quorumPanel(a),
          ...facts(a).slice(0, 3),
        ),
        h(
          'div',
          { class: 'col' },
          ...facts(a).slice(3),
          historyPanel(a),
          recordsPanel(a) ?? h('span'),
          section(
            'Audit',
            h(
              'p',
              null,
              link(`/audit?approval=${encodeURIComponent(a.id)}`, 'Audit events for this request'),
              ' · ',
              evidence,
            ),
            evidenceResult,
          ),
        ),
      ),
    );
    if (hadFocus) document.getElementById(hadFocus)?.focus();
  };

  showIn(main(), heading('Request', liveDot), h('p', { 'aria-busy': 'true' }, 'Loading…'));
  const load = () =>
    getJson<Approval>(`/v1/approvals/${encodeURIComponent(id)}`).then(draw, (err: unknown) =>
      showIn(
        main(),
        heading('Request'),
        errorBox(err, h('p', null, link('/', 'Back to the queue'))),
      ),
    );
  void load();

  let poll: ReturnType<typeof setInterval> | null = null;
  const stop = subscribe(`/v1/approvals/${encodeURIComponent(id)}/events`, {
    onEvent: (event, data) => {
      if (event === 'snapshot' && current) return;
      let next: Approval;
      try {
        next = JSON.parse(data) as Approval;
      } catch {
        void load();
        return;
      }
      if (current && next.version < current.version) return;
      const changed = current !== null && next.state !== current.state;
      draw(next);
      if (event !== 'snapshot')
        announce(
          changed ? `This request is now ${next.state}.` : `Update: ${event.replace('_', ' ')}.`,
        );
    },
    onStatus: (on) => {
      liveDot.textContent = on ? 'live' : 'reconnecting…';
      liveDot.classList.toggle('on', on);
    },
    onUnavailable: () => {
      liveDot.textContent = 'refreshing every 5s';
      poll = setInterval(() => void load(), 5000);
    },
  });
  // relative times stay fresh
  const tick = setInterval(() => {
    const s = main().querySelector('.summary');
    if (current && s) s.replaceWith(summary(current));
  }, 30_000);
  return () => {
    stop();
    clearInterval(tick);
    if (poll) clearInterval(poll);
  };
}
