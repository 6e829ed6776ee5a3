/** The review, revoke/cancel and shortcut panels of a request (state lives in detail.ts). */
import { dl } from './dom.js';
import { html, live, nothing, type TemplateResult } from './lit.js';
import { CANNOT_REVIEW } from './messages.js';
import type { Approval } from './types.js';

export type Verdict = 'approve' | 'deny';

export interface State {
  a: Approval | null;
  previous: Approval | null | undefined;
  loadError: unknown;
  live: string;
  reason: string;
  busy: boolean;
  /** The last review or lifecycle outcome (success or refusal): kept across live redraws. */
  flash: TemplateResult | null;
  /** An open confirmation of cancel or revoke, with its reason. */
  confirm: { what: 'cancel' | 'revoke'; reason: string } | null;
  evidence: TemplateResult | null;
  help: boolean;
}

/** What the panels need from the page: its state and its actions. */
export interface Ctx {
  s: State;
  review: (verdict: Verdict) => void;
  lifecycle: (what: 'cancel' | 'revoke') => void;
  draw: () => void;
}

export function reviewPanel(ctx: Ctx, a: Approval): TemplateResult {
  const { s, review } = ctx;
  if (!a.canReview) {
    const why = a.cannotReviewReason ?? 'approval_not_pending';
    return html`<section class="card review" aria-labelledby="s-review">
      <h2 id="s-review">Review</h2>
      <p class="cannot-review" data-testid="cannot-review">
        ${CANNOT_REVIEW[why] ?? `You cannot review this request (${why}).`}
      </p>
    </section>`;
  }
  const label = a.reasonRequired
    ? 'Reason (recorded in the audit log)'
    : 'Reason (optional to approve, required to deny; recorded in the audit log)';
  return html`<section class="card review" aria-labelledby="s-review">
    <h2 id="s-review">Review</h2>
    <form
      class="review-form"
      novalidate
      @submit=${(ev: SubmitEvent) => {
        ev.preventDefault();
        review((ev.submitter as HTMLButtonElement | null)?.value === 'deny' ? 'deny' : 'approve');
      }}
    >
      <label for="review-reason">${label}</label>
      <textarea
        id="review-reason"
        name="reason"
        maxlength="2000"
        rows="3"
        ?required=${a.reasonRequired}
        .value=${live(s.reason)}
        @input=${(ev: Event) => (s.reason = (ev.target as HTMLTextAreaElement).value)}
      ></textarea>
      <div class="buttons">
        ${
          a.reviewVerdicts.includes('approve')
            ? html`<button
                type="submit"
                value="approve"
                class="primary approve"
                ?disabled=${s.busy}
                aria-keyshortcuts="a"
              >
                Approve
              </button>`
            : nothing
        }
        ${
          a.reviewVerdicts.includes('deny')
            ? html`<button
                type="submit"
                value="deny"
                class="danger deny"
                ?disabled=${s.busy}
                aria-keyshortcuts="d"
              >
                Deny
              </button>`
            : nothing
        }
      </div>
      <p class="muted small" id="shortcut-hint">
        Keyboard: <kbd>a</kbd> approve, <kbd>d</kbd> deny, <kbd>r</kbd> reason, <kbd>?</kbd> all
        shortcuts (not while typing).
      </p>
    </form>
  </section>`;
}

export function actionsPanel(ctx: Ctx, a: Approval): TemplateResult | typeof nothing {
  const { s, lifecycle, draw } = ctx;
  if (!a.canCancel && !a.canRevoke) return nothing;
  const c = s.confirm;
  const open = (what: 'cancel' | 'revoke') => () => {
    s.confirm = { what, reason: '' };
    draw();
    document.getElementById('lifecycle-reason')?.focus();
  };
  return html`<section class="card" aria-labelledby="s-actions">
    <h2 id="s-actions">${a.canRevoke ? 'Revoke' : 'Cancel'}</h2>
    ${
      c
        ? html`<form
            class="review-form"
            @submit=${(ev: Event) => {
              ev.preventDefault();
              lifecycle(c.what);
            }}
          >
            <label for="lifecycle-reason"
              >${
                c.what === 'revoke'
                  ? 'Why revoke? (required, recorded in the audit log)'
                  : 'Why cancel? (optional)'
              }</label
            >
            <textarea
              id="lifecycle-reason"
              rows="2"
              maxlength="2000"
              .value=${live(c.reason)}
              @input=${(ev: Event) => (c.reason = (ev.target as HTMLTextAreaElement).value)}
            ></textarea>
            <div class="buttons">
              <button
                type="submit"
                class="danger"
                data-testid=${`confirm-${c.what}`}
                ?disabled=${s.busy}
              >
                ${c.what === 'revoke' ? 'Revoke now' : 'Cancel the request'}
              </button>
              <button type="button" @click=${() => ((s.confirm = null), draw())}>Keep it</button>
            </div>
          </form>`
        : html`<p>
            ${
              a.canRevoke
                ? html`You may revoke this approval: its credential stops passing the gate at once.
                    <button type="button" class="danger" @click=${open('revoke')}>Revoke…</button>`
                : html`You may cancel this request while it is pending.
                    <button type="button" @click=${open('cancel')}>Cancel request…</button>`
            }
          </p>`
    }
  </section>`;
}

export const helpPanel = (s: State): TemplateResult | typeof nothing =>
  s.help
    ? html`<section class="card shortcuts" aria-labelledby="s-keys" data-testid="shortcuts">
        <h2 id="s-keys">Keyboard shortcuts</h2>
        ${dl([
          ['a', 'approve (with the reason typed, if any)'],
          ['d', 'deny (needs a reason)'],
          ['r', 'type the reason'],
          ['?', 'show or hide this list'],
        ])}
        <p class="muted small">They do nothing while you type in a field.</p>
      </section>`
    : nothing;
