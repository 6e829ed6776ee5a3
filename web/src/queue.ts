/**
 * The queue: requests the viewer can review first, filters kept in the URL, counts per state,
 * age and time to expiry, break-glass rows marked, and live updates over SSE.
 */
import { getJson, query } from './api.js';
import { breakGlassBadge, stateBadge } from './badges.js';
import { clear, h } from './dom.js';
import { age, expiresIn } from './format.js';
import { subscribe } from './live.js';
import { announce, errorBox, heading, link, main, navigate, setTitle, showIn } from './shell.js';
import type { Approval, ApprovalList } from './types.js';

const STATES = ['pending', 'approved', 'denied', 'expired', 'cancelled', 'revoked'];
const FILTERS = ['environment', 'project', 'group', 'requestedBy'] as const;
const FILTER_LABELS: Record<(typeof FILTERS)[number], string> = {
  environment: 'Environment',
  project: 'Project',
  group: 'Approver group',
  requestedBy: 'Requester',
};

function row(a: Approval, now: number): HTMLElement {
  const exp = expiresIn(a.expiresAt, now);
  const pending = a.state === 'pending';
  return h(
    'tr',
    {
      class:
        [a.breakGlass ? 'break-glass' : '', a.canReview ? 'mine' : ''].join(' ').trim() || null,
      'data-id': a.id,
    },
    h(
      'td',
      { 'data-label': 'Request' },
      link(`/approvals/${a.id}`, `${a.action.kind} ${a.action.target ?? ''}`.trim(), {
        class: 'row-link',
      }),
      ' ',
      breakGlassBadge(a),
      a.action.reason ? h('div', { class: 'muted small' }, a.action.reason) : null,
    ),
    h('td', { 'data-label': 'Where' }, `${a.action.environment} / ${a.action.project}`),
    h('td', { 'data-label': 'Requested by' }, a.requestedBy.name),
    h(
      'td',
      { 'data-label': 'Approvals' },
      `${a.progress.approvals}/${a.progress.min}`,
      h('div', { class: 'muted small' }, a.approverGroups.join(', ')),
    ),
    h('td', { 'data-label': 'Age' }, h('time', { datetime: a.createdAt }, age(a.createdAt, now))),
    h(
      'td',
      { 'data-label': 'Expires', class: pending && exp.soon ? 'soon' : null },
      pending ? exp.text : '—',
    ),
    h(
      'td',
      { 'data-label': 'State' },
      stateBadge(a.state),
      a.canReview ? h('span', { class: 'badge badge-you' }, 'you can review') : null,
    ),
  );
}

function table(caption: string, items: Approval[], now: number, testid: string): HTMLElement {
  return h(
    'table',
    { class: 'queue', 'data-testid': testid },
    h('caption', null, caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['Request', 'Where', 'Requested by', 'Approvals', 'Age', 'Expires', 'State'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
    h(
      'tbody',
      null,
      items.map((a) => row(a, now)),
    ),
  );
}

export function renderQueue(params: URLSearchParams): () => void {
  setTitle('Queue');
  const state = params.get('state') ?? 'pending';
  const filters: Record<string, string> = {};
  for (const f of FILTERS) {
    const v = params.get(f);
    if (v) filters[f] = v;
  }

  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter requests' });
  const stateSelect = h(
    'select',
    { id: 'f-state', name: 'state' },
    ['all', ...STATES].map((s) => h('option', { value: s, selected: s === state }, s)),
  );
  form.append(h('div', { class: 'field' }, h('label', { for: 'f-state' }, 'State'), stateSelect));
  for (const f of FILTERS) {
    form.append(
      h(
        'div',
        { class: 'field' },
        h('label', { for: `f-${f}` }, FILTER_LABELS[f]),
        h('input', { id: `f-${f}`, name: f, value: filters[f] ?? '', maxlength: 128 }),
      ),
    );
  }
  form.append(
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Apply filters')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const [k, v] of data)
      if (typeof v === 'string' && v.trim() && !(k === 'state' && v === 'pending'))
        next.set(k, v.trim());
    navigate(`/${next.size ? `?${next}` : ''}`);
  });

  const counts = h('ul', { class: 'counts', 'aria-label': 'Requests per state' });
  const liveDot = h('span', { class: 'live-dot', 'data-testid': 'live-status' }, 'connecting…');
  const body = h('div', { 'aria-busy': 'true' });
  showIn(main(), heading('Approval queue', liveDot), form, counts, body);

  let last: Approval[] = [];
  let loading: Promise<void> | null = null;
  let again = false;

  const draw = () => {
    const now = Date.now();
    const mine = last.filter((a) => a.canReview);
    const rest = last.filter((a) => !a.canReview);
    clear(body);
    if (last.length === 0) {
      body.append(h('p', { class: 'empty' }, 'No requests match.'));
      return;
    }
    if (mine.length)
      body.append(table(`Waiting for your review (${mine.length})`, mine, now, 'queue-mine'));
    if (rest.length)
      body.append(
        table(
          mine.length ? `Other requests (${rest.length})` : `Requests (${rest.length})`,
          rest,
          now,
          'queue-rest',
        ),
      );
  };

  const load = async () => {
    const listed = getJson<ApprovalList>(
      `/v1/approvals${query({ ...filters, state: state === 'all' ? undefined : state, limit: 100 })}`,
    );
    const all = getJson<ApprovalList>(`/v1/approvals${query({ ...filters, limit: 200 })}`);
    const [list, everything] = await Promise.all([listed, all]);
    // the reviewer's own work first; within it, the soonest to expire first
    last = [...list.items].sort(
      (a, b) =>
        Number(b.canReview) - Number(a.canReview) ||
        Number(Boolean(b.breakGlass)) - Number(Boolean(a.breakGlass)) ||
        (a.canReview ? Date.parse(a.expiresAt) - Date.parse(b.expiresAt) : 0),
    );
    clear(counts);
    for (const s of STATES) {
      const n = everything.items.filter((a) => a.state === s).length;
      const label = `${n}${everything.nextCursor ? '+' : ''}`;
      const q = new URLSearchParams(filters);
      if (s !== 'pending') q.set('state', s);
      counts.append(
        h(
          'li',
          { class: s === state ? 'current' : null },
          link(
            `/${q.size ? `?${q}` : ''}`,
            h('span', null, h('b', { 'data-testid': `count-${s}` }, label), ` ${s}`),
          ),
        ),
      );
    }
    draw();
    body.setAttribute('aria-busy', 'false');
  };
  const reload = () => {
    if (loading) {
      again = true;
      return;
    }
    loading = load()
      .catch((err: unknown) => showIn(body, errorBox(err)))
      .finally(() => {
        loading = null;
        if (again) {
          again = false;
          reload();
        }
      });
  };
  reload();

  let poll: ReturnType<typeof setInterval> | null = null;
  const stop = subscribe('/v1/approvals/events', {
    onEvent: (event, data) => {
      if (event === 'ready') return;
      try {
        const a = JSON.parse(data) as Approval;
        announce(`Request ${a.action.kind} in ${a.action.environment}: ${event.replace('_', ' ')}`);
      } catch {
        // a malformed event still means something changed
      }
      reload();
    },
    onStatus: (on) => {
      liveDot.textContent = on ? 'live' : 'reconnecting…';
      liveDot.classList.toggle('on', on);
    },
    onUnavailable: () => {
      liveDot.textContent = 'refreshing every 5s';
      poll = setInterval(reload, 5000);
    },
  });
  const tick = setInterval(draw, 30_000);
  return () => {
    stop();
    clearInterval(tick);
    if (poll) clearInterval(poll);
  };
}
