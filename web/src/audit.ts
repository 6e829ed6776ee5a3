/**
 * Audit: events newest first (or in log order), filtered by request, actor, environment, project,
 * type and time, with free-text search; an event's detail answering the five questions; the
 * latest signed checkpoint; in-browser verification; the evidence bundle download.
 */
import { getJson, query } from './api.js';
import { chips, code, dl, when } from './dom.js';
import { downloadEvidence } from './evidence.js';
import { localTime, relative } from './format.js';
import { html, nothing, type TemplateResult } from './lit.js';
import { announce, errorBox, heading, link, navigate, setTitle, show } from './shell.js';
import type { AuditItem, AuditPage, Checkpoint } from './types.js';
import { verifyEvents } from './audit-verify.js';
// the server's list (browser-safe: no imports), so the type filter offers every event type
import { AUDIT_EVENT_TYPES } from '../../src/domain/audit-event.js';

const TEXT_FILTERS = [
  ['approval', 'Approval id'],
  ['environment', 'Environment'],
  ['project', 'Project'],
  ['actor', 'Actor (principal id)'],
] as const;

export function eventDetail(item: AuditItem): TemplateResult {
  const e = item.event;
  const breakGlass = e.type === 'approval.break_glass';
  return html`<section
    class=${`card event-detail${breakGlass ? ' break-glass' : ''}`}
    aria-labelledby="event-title"
    tabindex="-1"
    data-testid="event-detail"
  >
    <h2 id="event-title">Event #${item.index}: ${e.type}${breakGlass ? ' ⚠ break-glass' : ''}</h2>
    ${dl(
      [
        ['Who initiated', `${e.actor.name} (${e.actor.kind}, ${e.actor.id})`],
        ['Environment / project', `${e.environment ?? '—'} / ${e.project ?? '—'}`],
        [
          'Approval required',
          e.approvalRequired === null ? 'not about an action' : e.approvalRequired ? 'yes' : 'no',
        ],
        [
          'Which approval',
          e.approvalId
            ? link(`/approvals/${encodeURIComponent(e.approvalId)}`, e.approvalId)
            : null,
        ],
        ['Which capabilities', chips(e.requiredCapabilities)],
        ['Outcome', `${e.outcome}${e.reasonCode ? ` (${e.reasonCode})` : ''}`],
        ['Decision', e.decisionId],
        ['Action hash', e.actionHash ? code(e.actionHash) : null],
        ['Spec hash', e.specHash ? code(e.specHash) : null],
        ['At', when(e.at)],
        ['Event id', code(e.eventId)],
      ],
      'facts five',
    )}
    <details>
      <summary>Type-specific details and the raw event</summary>
      <pre>${JSON.stringify(e, null, 2)}</pre>
    </details>
  </section>`;
}

function checkpointPanel(cp: Checkpoint): TemplateResult {
  return html`<section class="card" aria-labelledby="cp-title" data-testid="checkpoint">
    <h2 id="cp-title">Latest signed checkpoint</h2>
    ${dl([
      ['Origin', cp.origin],
      ['Tree size', String(cp.size)],
      ['Root hash', code(cp.rootHash)],
      ['Signed at', when(cp.createdAt)],
    ])}
    <details>
      <summary>Signed note</summary>
      <pre>${cp.note}</pre>
    </details>
  </section>`;
}

/** ISO 8601 (UTC) ↔ the value of a datetime-local input (the browser's own time zone). */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}
function fromLocalInput(value: string): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

export function renderAudit(params: URLSearchParams): () => void {
  setTitle('Audit');
  const get = (k: string) => params.get(k) ?? '';
  const approval = get('approval');
  const order = params.get('order') === 'asc' ? 'asc' : 'desc';
  const filters: Record<string, string> = {
    approval,
    type: get('type'),
    environment: get('environment'),
    project: get('project'),
    actor: get('actor'),
    since: get('since'),
    until: get('until'),
    q: get('q'),
  };
  let items: AuditItem[] | null = null;
  let cursor: string | null = null;
  let listError: unknown = null;
  let detail: AuditItem | null = null;
  let checkpoint: TemplateResult = html``;
  let verifyResult: TemplateResult | typeof nothing = nothing;
  let verifying = false;
  let evidence: TemplateResult | typeof nothing = nothing;

  const go = (next: Record<string, string>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(next)) if (v) q.set(k, v);
    navigate(`/audit${q.size ? `?${q}` : ''}`);
  };
  const submit = (ev: Event) => {
    ev.preventDefault();
    const next: Record<string, string> = {};
    for (const [k, v] of new FormData(ev.target as HTMLFormElement)) {
      if (typeof v !== 'string' || !v.trim()) continue;
      next[k] = k === 'since' || k === 'until' ? fromLocalInput(v) : v.trim();
    }
    go(next);
  };
  const byActor = (id: string) => (ev: Event) => {
    ev.preventDefault();
    go({ ...filters, actor: id, ...(order === 'asc' ? { order } : {}) });
  };

  const rows = (list: AuditItem[]): TemplateResult => {
    const now = Date.now();
    return html`<table class="audit" data-testid="audit-events">
      <caption>
        ${list.length} event${list.length === 1 ? '' : 's'},
        ${order === 'desc' ? 'newest first' : 'in log order'}
      </caption>
      <thead>
        <tr>
          ${['#', 'When', 'Type', 'Who', 'Where', 'Outcome', ''].map(
            (t) => html`<th scope="col">${t}</th>`,
          )}
        </tr>
      </thead>
      <tbody>
        ${list.map((item) => {
          const e = item.event;
          const bg = e.type === 'approval.break_glass' || e.details['breakGlass'] === true;
          return html`<tr class=${bg ? 'break-glass' : ''} data-index=${item.index}>
            <td data-label="#">${item.index}</td>
            <td data-label="When">
              <time datetime=${e.at} title=${e.at}>${localTime(e.at)}</time>
              <div class="muted small">${relative(e.at, now)}</div>
            </td>
            <td data-label="Type">${e.type}</td>
            <td data-label="Who">
              <a href="#" title=${`only events by ${e.actor.id}`} @click=${byActor(e.actor.id)}
                >${e.actor.name}</a
              >
            </td>
            <td data-label="Where">${e.environment ?? '—'} / ${e.project ?? '—'}</td>
            <td data-label="Outcome">${e.outcome}${e.reasonCode ? ` (${e.reasonCode})` : ''}</td>
            <td>
              <button
                type="button"
                class="small"
                aria-label=${`Details of event ${item.index}`}
                @click=${() => {
                  detail = item;
                  draw();
                  document.querySelector<HTMLElement>('[data-testid=event-detail]')?.focus();
                }}
              >
                Details
              </button>
            </td>
          </tr>`;
        })}
      </tbody>
    </table>`;
  };

  const list = (): TemplateResult => {
    if (listError) return errorBox(listError);
    if (!items) return html`<p aria-busy="true">Loading…</p>`;
    if (items.length === 0) return html`<p class="empty">No events match.</p>`;
    return html`${rows(items)}
    ${
      cursor
        ? html`<button type="button" @click=${() => void load(cursor)}>Load more</button>`
        : nothing
    }`;
  };

  const draw = () =>
    show(html`
      ${heading(approval ? 'Audit events for a request' : 'Audit log')}
      ${
        approval
          ? html`<p>Request ${link(`/approvals/${encodeURIComponent(approval)}`, approval)}</p>`
          : nothing
      }
      <form class="filters" role="search" aria-label="Filter audit events" @submit=${submit}>
        <div class="field wide">
          <label for="a-q">Search</label>
          <input
            id="a-q"
            name="q"
            type="search"
            .value=${filters['q']}
            maxlength="256"
            placeholder="names, reasons, ids, hashes"
          />
        </div>
        <div class="field">
          <label for="a-type">Type</label>
          <select id="a-type" name="type">
            <option value="">any</option>
            ${AUDIT_EVENT_TYPES.map((t) => html`<option value=${t} ?selected=${t === filters['type']}>${t}</option>`)}
          </select>
        </div>
        ${TEXT_FILTERS.map(
          ([name, label]) =>
            html`<div class="field">
              <label for=${`a-${name}`}>${label}</label>
              <input id=${`a-${name}`} name=${name} .value=${filters[name] ?? ''} maxlength="256" />
            </div>`,
        )}
        <div class="field">
          <label for="a-since">From (your time)</label>
          <input
            id="a-since"
            name="since"
            type="datetime-local"
            .value=${toLocalInput(filters['since'] ?? '')}
          />
        </div>
        <div class="field">
          <label for="a-until">Until (your time)</label>
          <input
            id="a-until"
            name="until"
            type="datetime-local"
            .value=${toLocalInput(filters['until'] ?? '')}
          />
        </div>
        <div class="field">
          <label for="a-order">Order</label>
          <select id="a-order" name="order">
            <option value="" ?selected=${order === 'desc'}>newest first</option>
            <option value="asc" ?selected=${order === 'asc'}>oldest first (log order)</option>
          </select>
        </div>
        <div class="field actions"><button type="submit">Apply filters</button></div>
      </form>
      <div class="buttons">
        <button
          type="button"
          class="primary"
          data-testid="verify"
          ?disabled=${verifying}
          @click=${verify}
        >
          ${approval ? 'Verify this request’s events' : 'Verify the listed events'}
        </button>
        ${
          approval
            ? html`<button
                type="button"
                data-testid="evidence"
                @click=${() => void downloadEvidence(approval).then((m) => ((evidence = m), draw()))}
              >
                Download evidence bundle
              </button>`
            : nothing
        }
      </div>
      <div aria-live="polite" data-testid="verify-result">${verifyResult}</div>
      <div aria-live="polite">${evidence}</div>
      <div class="detail-grid">
        <div class="col wide">${list()}</div>
        <div class="col">${detail ? eventDetail(detail) : nothing} ${checkpoint}</div>
      </div>
    `);

  async function load(from: string | null): Promise<void> {
    try {
      const page = await getJson<AuditPage>(
        `/v1/audit${query({ ...filters, order, limit: approval ? 1000 : 100, cursor: from })}`,
      );
      items = from && items ? [...items, ...page.items] : page.items;
      cursor = page.nextCursor;
      listError = null;
    } catch (err) {
      listError = err;
    }
    draw();
  }

  function verify(): void {
    verifying = true;
    verifyResult = html`<p>Verifying in this browser…</p>`;
    draw();
    verifyEvents(items ?? [])
      .then(({ ok, lines }) => {
        const [head, ...rest] = lines;
        verifyResult = html`<div
          class=${`alert ${ok ? 'alert-ok' : 'alert-error'}`}
          role=${ok ? 'status' : 'alert'}
          data-ok=${String(ok)}
        >
          <strong>${head ?? ''}</strong>
          <ul class="verify-lines">
            ${rest.map((l) => html`<li>${l}</li>`)}
          </ul>
        </div>`;
        announce(head ?? '');
      })
      .catch((err: unknown) => (verifyResult = errorBox(err)))
      .finally(() => {
        verifying = false;
        draw();
      });
  }

  draw();
  void load(null);
  getJson<Checkpoint>('/v1/audit/checkpoint').then(
    (cp) => ((checkpoint = checkpointPanel(cp)), draw()),
    (err: unknown) => ((checkpoint = errorBox(err)), draw()),
  );
  return () => undefined;
}

export function renderAuditEvent(index: number): () => void {
  setTitle(`Audit event ${index}`);
  show(
    html`${heading(`Audit event #${index}`)}
      <p aria-busy="true">Loading…</p>`,
  );
  getJson<{ event: unknown }>(`/v1/audit/proofs/inclusion${query({ index })}`).then(
    (p) =>
      show(
        html`${heading(`Audit event #${index}`)}
          ${eventDetail({ index, event: p.event as AuditItem['event'] })}
          <p>${link('/audit', 'All audit events')}</p>`,
      ),
    (err: unknown) => show(html`${heading(`Audit event #${index}`)} ${errorBox(err)}`),
  );
  return () => undefined;
}
