/**
 * Audit: events (for one request or overall), an event's detail answering the five questions,
 * the latest signed checkpoint, in-browser verification, and the evidence bundle download.
 */
import { getJson, query } from './api.js';
import { chips, code, dl, h } from './dom.js';
import { downloadEvidence } from './evidence.js';
import { localTime } from './format.js';
import { announce, errorBox, heading, link, main, navigate, setTitle, showIn } from './shell.js';
import type { AuditItem, AuditPage, Checkpoint, InclusionProof, Jwk } from './types.js';
import {
  bytesEqual,
  fromHex,
  leafHash,
  parseCheckpoint,
  rootFromInclusionProof,
  toHex,
  verifyCheckpointSignature,
} from './verify.js';

const TYPES = [
  'decision.evaluated',
  'approval.requested',
  'approval.reviewed',
  'approval.approved',
  'approval.denied',
  'approval.expired',
  'approval.cancelled',
  'approval.revoked',
  'approval.break_glass',
  'approval.decision_attached',
  'approval.imported',
  'credential.issued',
  'gate.allowed',
  'gate.rejected',
  'notification.delivered',
  'notification.failed',
  'key.rotated',
  'key.revoked',
  'policy.loaded',
  'pipeline.version_registered',
  'apikey.created',
  'apikey.revoked',
];

export function eventDetail(item: AuditItem): HTMLElement {
  const e = item.event;
  const breakGlass = e.type === 'approval.break_glass';
  return h(
    'section',
    {
      class: `card event-detail${breakGlass ? ' break-glass' : ''}`,
      'aria-labelledby': 'event-title',
      tabindex: '-1',
      'data-testid': 'event-detail',
    },
    h(
      'h2',
      { id: 'event-title' },
      `Event #${item.index}: ${e.type}`,
      breakGlass ? ' ⚠ break-glass' : '',
    ),
    dl(
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
        ['At', h('time', { datetime: e.at }, localTime(e.at))],
        ['Event id', code(e.eventId)],
      ],
      'facts five',
    ),
    h(
      'details',
      null,
      h('summary', null, 'Type-specific details and the raw event'),
      h('pre', null, JSON.stringify(e, null, 2)),
    ),
  );
}

function checkpointPanel(cp: Checkpoint): HTMLElement {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'cp-title', 'data-testid': 'checkpoint' },
    h('h2', { id: 'cp-title' }, 'Latest signed checkpoint'),
    dl([
      ['Origin', cp.origin],
      ['Tree size', String(cp.size)],
      ['Root hash', code(cp.rootHash)],
      ['Signed at', localTime(cp.createdAt)],
    ]),
    h('details', null, h('summary', null, 'Signed note'), h('pre', null, cp.note)),
  );
}

/** Verifies the checkpoint signature and each event's inclusion under it; returns lines to show. */
async function verifyEvents(items: AuditItem[]): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  const [cp, jwks] = await Promise.all([
    getJson<Checkpoint>('/v1/audit/checkpoint'),
    getJson<{ keys: Jwk[] }>('/.well-known/jwks.json'),
  ]);
  const parsed = parseCheckpoint(cp.note);
  if (!parsed) return { ok: false, lines: ['✗ the checkpoint note is malformed'] };
  let ok = true;
  const sig = await verifyCheckpointSignature(parsed, jwks.keys);
  lines.push(
    `${sig.ok ? '✓' : '✗'} checkpoint ${parsed.origin} size ${parsed.size}: ${sig.message}`,
  );
  ok &&= sig.ok;
  if (toHex(parsed.root) !== cp.rootHash || parsed.size !== cp.size) {
    lines.push('✗ the signed note and the checkpoint JSON disagree');
    ok = false;
  }
  let covered = 0;
  for (const item of items) {
    if (item.index >= parsed.size) {
      lines.push(
        `… event #${item.index} is newer than the checkpoint (size ${parsed.size}): verify again in a moment`,
      );
      ok = false;
      continue;
    }
    const proof = await getJson<InclusionProof>(
      `/v1/audit/proofs/inclusion${query({ index: item.index, size: parsed.size })}`,
    );
    const path = proof.proof.map(fromHex);
    // the leaf is recomputed from the event as listed, never taken from the server
    const leaf = await leafHash(item.event);
    const root = path.every((p) => p?.length === 32)
      ? await rootFromInclusionProof(item.index, parsed.size, leaf, path as Uint8Array[])
      : null;
    const good = root !== null && bytesEqual(root, parsed.root);
    lines.push(
      `${good ? '✓' : '✗'} event #${item.index} ${item.event.type}: ${good ? 'included in the signed tree' : 'NOT included: the event or the proof does not match the signed root'}`,
    );
    ok &&= good;
    if (good) covered++;
  }
  lines.unshift(
    ok
      ? `Verified: ${covered} event${covered === 1 ? '' : 's'} in the log signed at size ${parsed.size}.`
      : 'Verification FAILED.',
  );
  return { ok, lines };
}

export function renderAudit(params: URLSearchParams): () => void {
  setTitle('Audit');
  const approval = params.get('approval') ?? '';
  const type = params.get('type') ?? '';
  const filters = {
    approval,
    type,
    environment: params.get('environment') ?? '',
    project: params.get('project') ?? '',
    actor: params.get('actor') ?? '',
  };

  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter audit events' });
  const txt = (name: keyof typeof filters, label: string) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: `a-${name}` }, label),
      h('input', { id: `a-${name}`, name, value: filters[name], maxlength: 256 }),
    );
  form.append(
    txt('approval', 'Approval id'),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'a-type' }, 'Type'),
      h(
        'select',
        { id: 'a-type', name: 'type' },
        h('option', { value: '' }, 'any'),
        TYPES.map((t) => h('option', { value: t, selected: t === type }, t)),
      ),
    ),
    txt('environment', 'Environment'),
    txt('project', 'Project'),
    txt('actor', 'Actor'),
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Apply filters')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(form))
      if (typeof v === 'string' && v.trim()) next.set(k, v.trim());
    navigate(`/audit${next.size ? `?${next}` : ''}`);
  });

  const list = h('div', { 'aria-busy': 'true' });
  const detail = h('div');
  const cpArea = h('div');
  const verifyButton = h(
    'button',
    { type: 'button', class: 'primary', 'data-testid': 'verify' },
    approval ? 'Verify this request’s events' : 'Verify the listed events',
  );
  const verifyResult = h('div', { 'aria-live': 'polite', 'data-testid': 'verify-result' });
  const evidenceResult = h('div', { 'aria-live': 'polite' });
  const evidence = approval
    ? h('button', { type: 'button', 'data-testid': 'evidence' }, 'Download evidence bundle')
    : null;
  evidence?.addEventListener('click', () => void downloadEvidence(approval, evidenceResult));

  showIn(
    main(),
    heading(approval ? 'Audit events for a request' : 'Audit log'),
    approval
      ? h('p', null, 'Request ', link(`/approvals/${encodeURIComponent(approval)}`, approval))
      : h('span'),
    form,
    h('div', { class: 'buttons' }, verifyButton, evidence),
    verifyResult,
    evidenceResult,
    h(
      'div',
      { class: 'detail-grid' },
      h('div', { class: 'col wide' }, list),
      h('div', { class: 'col' }, detail, cpArea),
    ),
  );

  let items: AuditItem[] = [];
  let cursor: string | null = null;
  const show = (item: AuditItem) => {
    const panel = eventDetail(item);
    showIn(detail, panel);
    panel.focus();
  };
  const draw = () => {
    const more = cursor ? h('button', { type: 'button' }, 'Load more') : null;
    more?.addEventListener('click', () => void load(cursor));
    showIn(
      list,
      items.length === 0
        ? h('p', { class: 'empty' }, 'No events match.')
        : h(
            'table',
            { class: 'audit', 'data-testid': 'audit-events' },
            h(
              'caption',
              null,
              `${items.length} event${items.length === 1 ? '' : 's'}, in log order`,
            ),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['#', 'When', 'Type', 'Who', 'Where', 'Outcome', ''].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              null,
              items.map((item) => {
                const e = item.event;
                const view = h(
                  'button',
                  {
                    type: 'button',
                    class: 'small',
                    'aria-label': `Details of event ${item.index}`,
                  },
                  'Details',
                );
                view.addEventListener('click', () => show(item));
                return h(
                  'tr',
                  {
                    class:
                      e.type === 'approval.break_glass' || e.details['breakGlass'] === true
                        ? 'break-glass'
                        : null,
                  },
                  h('td', { 'data-label': '#' }, String(item.index)),
                  h('td', { 'data-label': 'When' }, h('time', { datetime: e.at }, localTime(e.at))),
                  h('td', { 'data-label': 'Type' }, e.type),
                  h('td', { 'data-label': 'Who' }, e.actor.name),
                  h(
                    'td',
                    { 'data-label': 'Where' },
                    `${e.environment ?? '—'} / ${e.project ?? '—'}`,
                  ),
                  h(
                    'td',
                    { 'data-label': 'Outcome' },
                    `${e.outcome}${e.reasonCode ? ` (${e.reasonCode})` : ''}`,
                  ),
                  h('td', null, view),
                );
              }),
            ),
          ),
      more ?? h('span'),
    );
    list.setAttribute('aria-busy', 'false');
  };
  const load = async (from: string | null) => {
    try {
      const page = await getJson<AuditPage>(
        `/v1/audit${query({ ...filters, limit: approval ? 1000 : 100, cursor: from })}`,
      );
      items = from ? [...items, ...page.items] : page.items;
      cursor = page.nextCursor;
      draw();
    } catch (err) {
      showIn(list, errorBox(err));
    }
  };
  void load(null);
  getJson<Checkpoint>('/v1/audit/checkpoint').then(
    (cp) => showIn(cpArea, checkpointPanel(cp)),
    (err: unknown) => showIn(cpArea, errorBox(err)),
  );

  verifyButton.addEventListener('click', () => {
    verifyButton.disabled = true;
    showIn(verifyResult, h('p', null, 'Verifying in this browser…'));
    verifyEvents(items)
      .then(({ ok, lines }) => {
        const [head, ...rest] = lines;
        showIn(
          verifyResult,
          h(
            'div',
            {
              class: `alert ${ok ? 'alert-ok' : 'alert-error'}`,
              role: ok ? 'status' : 'alert',
              'data-ok': String(ok),
            },
            h('strong', null, head ?? ''),
            h(
              'ul',
              { class: 'verify-lines' },
              rest.map((l) => h('li', null, l)),
            ),
          ),
        );
        announce(head ?? '');
      })
      .catch((err: unknown) => showIn(verifyResult, errorBox(err)))
      .finally(() => (verifyButton.disabled = false));
  });
  return () => undefined;
}

export function renderAuditEvent(index: number): () => void {
  setTitle(`Audit event ${index}`);
  showIn(main(), heading(`Audit event #${index}`), h('p', { 'aria-busy': 'true' }, 'Loading…'));
  getJson<InclusionProof>(`/v1/audit/proofs/inclusion${query({ index })}`).then(
    (p) =>
      showIn(
        main(),
        heading(`Audit event #${index}`),
        eventDetail({ index, event: p.event as AuditItem['event'] }),
        h('p', null, link('/audit', 'All audit events')),
      ),
    (err: unknown) => showIn(main(), heading(`Audit event #${index}`), errorBox(err)),
  );
  return () => undefined;
}
