/**
 * One request, at a glance: what changes first (spec, diff against the last approval, registered
 * version, links), then the review (approve/deny, reason only where policy needs one, keyboard
 * shortcuts), quorum, revoke/cancel for those allowed, the policy's rule and its description,
 * scope, constraints, exact bindings and history. Rendered with lit-html: live updates change
 * only what changed, so typed text and focus stay where they are.
 */
import { ApiError, getJson, postJson } from './api.js';
import { breakGlassBadge, stateBadge } from './badges.js';
import { code, dl, when } from './dom.js';
import { downloadEvidence } from './evidence.js';
import { expiresIn, localTime, relative } from './format.js';
import { html, nothing, type TemplateResult } from './lit.js';
import { subscribe } from './live.js';
import { panels } from './detail-panels.js';
import {
  announce,
  errorBox,
  heading,
  link,
  liveDot,
  setTitle,
  show,
  successBox,
  typing,
} from './shell.js';
import type { Approval } from './types.js';
import { actionsPanel, helpPanel, reviewPanel, type State, type Verdict } from './detail-review.js';
import { whatChanges } from './spec.js';

/**
 * When the credential stops verifying: its lifetime runs from approval (policy credentialTtl; the
 * server may cap it lower), and a break-glass credential never outlives the break-glass window.
 */
function credentialEnds(a: Approval): string {
  const from = Date.parse(a.decidedAt ?? a.createdAt);
  const ends = from + a.decision.credentialTtlSec * 1000;
  return new Date(a.breakGlass ? Math.min(ends, Date.parse(a.expiresAt)) : ends).toISOString();
}

function summary(a: Approval): TemplateResult {
  const now = Date.now();
  const exp = expiresIn(a.expiresAt, now);
  return html`<div class="summary">
    ${stateBadge(a.state)} ${breakGlassBadge(a)}
    <span>requested ${relative(a.createdAt, now)} by <strong>${a.requestedBy.name}</strong></span>
    ${
      a.state === 'pending'
        ? html`<span class=${exp.soon ? 'soon' : ''} title=${localTime(a.expiresAt)}
            >expires ${exp.text} (${localTime(a.expiresAt)})</span
          >`
        : nothing
    }
    ${
      a.state === 'approved'
        ? html`<span>credential valid until about ${when(credentialEnds(a), now)}</span>`
        : nothing
    }
  </div>`;
}

function breakGlassPanel(a: Approval): TemplateResult | typeof nothing {
  if (!a.breakGlass) return nothing;
  return html`<section class="break-glass-banner" aria-label="Break-glass">
    <h2>⚠ Break-glass request</h2>
    <p>
      Approved immediately by its declarer, without review. Members of its approver group (or an
      admin) may revoke it.
    </p>
    ${dl([
      ['Reason', a.breakGlass.reason],
      ['Approver group', a.breakGlass.approverGroup],
      ['External reference', a.breakGlass.externalRef],
    ])}
  </section>`;
}

export function renderDetail(id: string): () => void {
  setTitle('Request');
  const s: State = {
    a: null,
    previous: undefined,
    loadError: null,
    live: 'connecting…',
    reason: '',
    busy: false,
    flash: null,
    confirm: null,
    evidence: null,
    help: false,
  };
  const path = `/v1/approvals/${encodeURIComponent(id)}`;

  const refuse = async (err: unknown): Promise<void> => {
    s.flash = errorBox(err);
    // the request may have moved on (decided, reviewed): show it as it is now, with the refusal
    if (err instanceof ApiError && (err.status === 409 || err.status === 403)) {
      const now = await getJson<Approval>(path).catch(() => null);
      if (now) s.a = now;
    }
    s.busy = false;
    draw();
    document.querySelector<HTMLElement>('#review-result [role=alert]')?.focus();
  };

  const review = (verdict: Verdict): void => {
    const a = s.a;
    if (!a || s.busy || !a.canReview || !a.reviewVerdicts.includes(verdict)) return;
    const reason = s.reason.trim();
    if (!reason && (verdict === 'deny' || a.reasonRequired)) {
      s.flash = errorBox(
        new ApiError(400, 'validation_failed', `a reason is required to ${verdict}`, [
          { path: '/reason', message: `a reason is required to ${verdict}` },
        ]),
      );
      draw();
      document.getElementById('review-reason')?.focus();
      return;
    }
    s.busy = true;
    draw();
    postJson<Approval>(`${path}/${verdict}`, reason ? { reason } : {}).then((next) => {
      s.reason = '';
      s.busy = false;
      const text =
        verdict === 'deny'
          ? 'Denied. The request is now denied.'
          : next.state === 'approved'
            ? 'Approved. Quorum is met: the request is now approved.'
            : `Approved. ${next.progress.approvals} of ${next.progress.min} approvals; still pending.`;
      s.flash = successBox(text);
      s.a = next;
      draw();
      announce(text);
    }, refuse);
  };

  const lifecycle = (what: 'cancel' | 'revoke'): void => {
    const c = s.confirm;
    if (!s.a || !c || s.busy) return;
    const reason = c.reason.trim();
    if (what === 'revoke' && !reason) {
      s.flash = errorBox(
        new ApiError(400, 'validation_failed', 'a reason is required to revoke', [
          { path: '/reason', message: 'a reason is required to revoke' },
        ]),
      );
      draw();
      return;
    }
    s.busy = true;
    postJson<Approval>(`${path}/${what}`, reason ? { reason } : {}).then((next) => {
      s.busy = false;
      s.confirm = null;
      s.a = next;
      const text =
        what === 'cancel'
          ? 'Cancelled. The request is now cancelled.'
          : 'Revoked. Its credential no longer passes the gate.';
      s.flash = successBox(text);
      draw();
      announce(text);
    }, refuse);
  };

  const ctx = { s, review, lifecycle, draw: () => draw() };

  function draw(): void {
    if (s.loadError && !s.a) {
      show(
        html`${heading('Request')}
        ${errorBox(s.loadError, html`<p>${link('/', 'Back to the queue')}</p>`)}`,
      );
      return;
    }
    const a = s.a;
    if (!a) {
      show(
        html`${heading('Request', liveDot(s.live))}
          <p aria-busy="true">Loading…</p>`,
      );
      return;
    }
    setTitle(`${a.action.kind} in ${a.action.environment}`);
    const p = panels(a);
    show(html`
      ${heading(`${a.action.kind} · ${a.action.environment} / ${a.action.project}`, liveDot(s.live))}
      <p class="muted">
        ${code(a.id)}${a.action.target ? html` → ${code(a.action.target)}` : nothing}
      </p>
      ${summary(a)} ${breakGlassPanel(a)}
      <div id="review-result">${s.flash ?? nothing}</div>
      ${helpPanel(s)}
      <div class="detail-grid">
        <div class="col">
          ${whatChanges(a, s.previous)} ${reviewPanel(ctx, a)} ${p.policy} ${p.who}
        </div>
        <div class="col">
          ${p.quorum} ${actionsPanel(ctx, a)} ${p.scope} ${p.constraints} ${p.capabilities}
          ${p.bindings} ${p.records} ${p.history}
          <section class="card" aria-labelledby="s-audit">
            <h2 id="s-audit">Audit</h2>
            <p>
              ${link(`/audit?approval=${encodeURIComponent(a.id)}`, 'Audit events for this request')}
              ·
              <button
                type="button"
                data-testid="evidence"
                @click=${() => void downloadEvidence(a.id).then((m) => ((s.evidence = m), draw()))}
              >
                Download evidence bundle
              </button>
            </p>
            <div aria-live="polite">${s.evidence ?? nothing}</div>
          </section>
        </div>
      </div>
    `);
  }

  const load = () =>
    getJson<Approval>(path).then(
      (a) => {
        if (!s.a || a.version >= s.a.version) s.a = a;
        draw();
      },
      (err: unknown) => {
        s.loadError = err;
        draw();
      },
    );
  draw();
  void load().then(() =>
    getJson<{ previous: Approval | null }>(`${path}/previous`).then(
      (r) => {
        s.previous = r.previous;
        draw();
      },
      () => {
        s.previous = null;
        draw();
      },
    ),
  );

  const onKey = (ev: KeyboardEvent) => {
    if (typing(ev) || !s.a) return;
    if (ev.key === 'a') review('approve');
    else if (ev.key === 'd') review('deny');
    else if (ev.key === 'r') document.getElementById('review-reason')?.focus();
    else if (ev.key === '?') {
      s.help = !s.help;
      draw();
    } else return;
    ev.preventDefault();
  };
  document.addEventListener('keydown', onKey);

  let poll: ReturnType<typeof setInterval> | null = null;
  const stop = subscribe(`${path}/events`, {
    onEvent: (event, data) => {
      if (event === 'snapshot' && s.a) return;
      let next: Approval;
      try {
        next = JSON.parse(data) as Approval;
      } catch {
        void load();
        return;
      }
      if (s.a && next.version < s.a.version) return;
      const changed = s.a !== null && next.state !== s.a.state;
      s.a = next;
      draw();
      if (event !== 'snapshot')
        announce(
          changed ? `This request is now ${next.state}.` : `Update: ${event.replace('_', ' ')}.`,
        );
    },
    onStatus: (on) => {
      s.live = on ? 'live' : 'reconnecting…';
      draw();
    },
    onUnavailable: () => {
      s.live = 'refreshing every 5s';
      poll = setInterval(() => void load(), 5000);
    },
  });
  // relative times stay fresh
  const tick = setInterval(draw, 30_000);
  return () => {
    stop();
    clearInterval(tick);
    if (poll) clearInterval(poll);
    document.removeEventListener('keydown', onKey);
  };
}
