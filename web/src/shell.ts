/** The page frame: the main region, alerts, the live region and client-side navigation. */
import { html, nothing, render, type TemplateResult } from './lit.js';
import { explain } from './messages.js';

export const BASE = '/console';

export function main(): HTMLElement {
  return document.getElementById('main') as HTMLElement;
}

/** Renders a view into <main>; lit-html updates only what changed since the last call. */
export function show(view: TemplateResult): void {
  render(view, main());
}

/** Polite announcement for screen readers (live updates, results). */
export function announce(text: string): void {
  const region = document.getElementById('live');
  if (!region) return;
  region.textContent = '';
  // a fresh text node is announced even when the text repeats
  setTimeout(() => (region.textContent = text), 50);
}

/** An error box (role=alert): an API refusal is never shown as a success. */
export function errorBox(err: unknown, extra: TemplateResult | typeof nothing = nothing) {
  const e = explain(err);
  return html`<div class="alert alert-error" role="alert" data-testid="error" tabindex="-1">
    <strong>${e.title}</strong>
    <p>${e.text}</p>
    ${
      e.fields.length
        ? html`<ul>
            ${e.fields.map((f) => html`<li>${f}</li>`)}
          </ul>`
        : nothing
    }
    ${extra}
  </div>`;
}

export function successBox(text: string): TemplateResult {
  return html`<div class="alert alert-ok" role="status" data-testid="success">${text}</div>`;
}

let navigateHook: (path: string) => void = () => undefined;
export function setNavigate(fn: (path: string) => void): void {
  navigateHook = fn;
}
export function navigate(path: string): void {
  navigateHook(path);
}

/** An in-console link: a real <a href>, handled without a page load. */
export function link(
  path: string,
  text: TemplateResult | string,
  cls: string | typeof nothing = nothing,
): TemplateResult {
  return html`<a href=${`${BASE}${path}`} data-link class=${cls}>${text}</a>`;
}

export function setTitle(text: string): void {
  document.title = `${text} · Countersign`;
}

export function heading(text: string, after: TemplateResult | typeof nothing = nothing) {
  return html`<div class="view-head">
    <h1 tabindex="-1" id="view-title">${text}</h1>
    ${after}
  </div>`;
}

/** The live-status dot of views that follow a Server-Sent Events stream. */
export function liveDot(status: string): TemplateResult {
  return html`<span class=${`live-dot${status === 'live' ? ' on' : ''}`} data-testid="live-status"
    >${status}</span
  >`;
}

/** True while the person is typing: shortcuts must not fire then. */
export function typing(ev: KeyboardEvent): boolean {
  const t = ev.target as HTMLElement | null;
  if (!t) return false;
  return (
    t.isContentEditable ||
    ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) ||
    ev.ctrlKey ||
    ev.metaKey ||
    ev.altKey
  );
}
