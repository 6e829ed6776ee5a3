/**
 * The queue: requests the viewer can review first, filters kept in the URL, counts per state,
 * age and time to expiry, break-glass rows marked, and live updates over SSE.
 */
import { getJson, query } from './api.js';
import { breakGlassBadge, stateBadge } from './badges.js';
import { expiresIn, localTime, relative } from './format.js';
import { html, nothing, type TemplateResult } from './lit.js';
import { subscribe } from './live.js';
import {
  announce,
  errorBox,
  heading,
  link,
  liveDot,
  navigate,
  setTitle,
  show,
  typing,
} from './shell.js';
import type { Approval, ApprovalList } from './types.js';

const STATES = ['pending', 'approved', 'denied', 'expired', 'cancelled', 'revoked'];
const FILTERS = ['environment', 'project', 'group', 'requestedBy'] as const;
const FILTER_LABELS: Record<(typeof FILTERS)[number], string> = {
  environment: 'Environment',
  project: 'Project',
  group: 'Approver group',
  requestedBy: 'Requester',
};

function row(a: Approval, now: number): TemplateResult {
  const exp = expiresIn(a.expiresAt, now);
  const pending = a.state === 'pending';
  const cls = [a.breakGlass ? 'break-glass' : '', a.canReview ? 'mine' : ''].join(' ').trim();
  return html`<tr class=${cls} data-id=${a.id}>
    <td data-label="Request">
      ${link(`/approvals/${a.id}`, `${a.action.kind} ${a.action.target ?? ''}`.trim(), 'row-link')}
      ${breakGlassBadge(a)}
      ${a.action.reason ? html`<div class="muted small">${a.action.reason}</div>` : nothing}
    </td>
    <td data-label="Where">${a.action.environment} / ${a.action.project}</td>
    <td data-label="Requested by">${a.requestedBy.name}</td>
    <td data-label="Approvals">
      ${a.progress.approvals}/${a.progress.min}
      <div class="muted small">${a.approverGroups.join(', ')}</div>
    </td>
    <td data-label="Age">
      <time datetime=${a.createdAt} title=${localTime(a.createdAt)}
        >${relative(a.createdAt, now)}</time
      >
    </td>
    <td data-label="Expires" class=${pending && exp.soon ? 'soon' : ''}>
      ${pending ? html`<span title=${localTime(a.expiresAt)}>${exp.text}</span>` : '—'}
    </td>
    <td data-label="State">
      ${stateBadge(a.state)}
      ${a.canReview ? html`<span class="badge badge-you">you can review</span>` : nothing}
      ${
        a.canReview && !a.reasonRequired
          ? html`<span class="badge badge-quick" title="Policy needs no reason to approve here"
              >one-click approve</span
            >`
          : nothing
      }
    </td>
  </tr>`;
}

function table(caption: string, items: Approval[], now: number, testid: string): TemplateResult {
  return html`<table class="queue" data-testid=${testid}>
    <caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        ${['Request', 'Where', 'Requested by', 'Approvals', 'Age', 'Expires', 'State'].map(
          (t) => html`<th scope="col">${t}</th>`,
        )}
      </tr>
    </thead>
    <tbody>
      ${items.map((a) => row(a, now))}
    </tbody>
  </table>`;
}

export function renderQueue(params: URLSearchParams): () => void {
  setTitle('Queue');
  const state = params.get('state') ?? 'pending';
  const filters: Record<string, string> = {};
  for (const f of FILTERS) {
    const v = params.get(f);
    if (v) filters[f] = v;
  }
  let items: Approval[] | null = null;
  let everything: ApprovalList | null = null;
  let error: unknown = null;
  let live = 'connecting…';

  const submit = (ev: Event) => {
    ev.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(ev.target as HTMLFormElement))
      if (typeof v === 'string' && v.trim() && !(k === 'state' && v === 'pending'))
        next.set(k, v.trim());
    navigate(`/${next.size ? `?${next}` : ''}`);
  };

  const counts = (): TemplateResult | typeof nothing =>
    everything
      ? html`<ul class="counts" aria-label="Requests per state">
          ${STATES.map((st) => {
            const n = everything?.items.filter((a) => a.state === st).length ?? 0;
            const q = new URLSearchParams(filters);
            if (st !== 'pending') q.set('state', st);
            return html`<li class=${st === state ? 'current' : ''}>
              ${link(
                `/${q.size ? `?${q}` : ''}`,
                html`<span
                  ><b data-testid=${`count-${st}`}>${n}${everything?.nextCursor ? '+' : ''}</b>
                  ${st}</span
                >`,
              )}
            </li>`;
          })}
        </ul>`
      : nothing;

  const body = (): TemplateResult => {
    if (error) return errorBox(error);
    if (!items) return html`<p aria-busy="true">Loading…</p>`;
    if (items.length === 0) return html`<p class="empty">No requests match.</p>`;
    const now = Date.now();
    const mine = items.filter((a) => a.canReview);
    const rest = items.filter((a) => !a.canReview);
    return html`${
      mine.length
        ? table(`Waiting for your review (${mine.length})`, mine, now, 'queue-mine')
        : nothing
    }
    ${
      rest.length
        ? table(
            mine.length ? `Other requests (${rest.length})` : `Requests (${rest.length})`,
            rest,
            now,
            'queue-rest',
          )
        : nothing
    }`;
  };

  const draw = () =>
    show(html`
      ${heading('Approval queue', liveDot(live))}
      <form class="filters" role="search" aria-label="Filter requests" @submit=${submit}>
        <div class="field">
          <label for="f-state">State</label>
          <select id="f-state" name="state">
            ${['all', ...STATES].map(
              (st) => html`<option value=${st} ?selected=${st === state}>${st}</option>`,
            )}
          </select>
        </div>
        ${FILTERS.map(
          (f) =>
            html`<div class="field">
              <label for=${`f-${f}`}>${FILTER_LABELS[f]}</label>
              <input id=${`f-${f}`} name=${f} .value=${filters[f] ?? ''} maxlength="128" />
            </div>`,
        )}
        <div class="field actions"><button type="submit">Apply filters</button></div>
      </form>
      ${counts()}
      <div>${body()}</div>
      <p class="muted small">
        Keyboard: <kbd>j</kbd> / <kbd>k</kbd> next / previous request, <kbd>Enter</kbd> opens it.
      </p>
    `);

  let loading: Promise<void> | null = null;
  let again = false;
  const load = async () => {
    const [list, all] = await Promise.all([
      getJson<ApprovalList>(
        `/v1/approvals${query({ ...filters, state: state === 'all' ? undefined : state, limit: 100 })}`,
      ),
      getJson<ApprovalList>(`/v1/approvals${query({ ...filters, limit: 200 })}`),
    ]);
    // the reviewer's own work first; within it, the soonest to expire first
    items = [...list.items].sort(
      (a, b) =>
        Number(b.canReview) - Number(a.canReview) ||
        Number(Boolean(b.breakGlass)) - Number(Boolean(a.breakGlass)) ||
        (a.canReview ? Date.parse(a.expiresAt) - Date.parse(b.expiresAt) : 0),
    );
    everything = all;
    error = null;
    draw();
  };
  const reload = () => {
    if (loading) {
      again = true;
      return;
    }
    loading = load()
      .catch((err: unknown) => {
        error = err;
        draw();
      })
      .finally(() => {
        loading = null;
        if (again) {
          again = false;
          reload();
        }
      });
  };
  draw();
  reload();

  const onKey = (ev: KeyboardEvent) => {
    if (typing(ev) || (ev.key !== 'j' && ev.key !== 'k')) return;
    const links = [...document.querySelectorAll<HTMLAnchorElement>('a.row-link')];
    if (links.length === 0) return;
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next = ev.key === 'j' ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
    links[at < 0 ? 0 : next]?.focus();
    ev.preventDefault();
  };
  document.addEventListener('keydown', onKey);

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
      live = on ? 'live' : 'reconnecting…';
      draw();
    },
    onUnavailable: () => {
      live = 'refreshing every 5s';
      draw();
      poll = setInterval(reload, 5000);
    },
  });
  const tick = setInterval(draw, 30_000);
  return () => {
    stop();
    clearInterval(tick);
    if (poll) clearInterval(poll);
    document.removeEventListener('keydown', onKey);
  };
}
