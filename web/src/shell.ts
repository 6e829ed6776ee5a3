/** The page frame: header, devMode banner, alerts, the live region, and client-side navigation. */
import { clear, h } from './dom.js';
import { explain } from './messages.js';

export const BASE = '/console';

export function main(): HTMLElement {
  return document.getElementById('main') as HTMLElement;
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
export function errorBox(err: unknown, extra?: Node): HTMLElement {
  const e = explain(err);
  return h(
    'div',
    { class: 'alert alert-error', role: 'alert', 'data-testid': 'error' },
    h('strong', null, e.title),
    h('p', null, e.text),
    e.fields.length
      ? h(
          'ul',
          null,
          e.fields.map((f) => h('li', null, f)),
        )
      : null,
    extra ?? null,
  );
}

export function successBox(text: string): HTMLElement {
  return h('div', { class: 'alert alert-ok', role: 'status', 'data-testid': 'success' }, text);
}

export function showIn(container: Element, ...nodes: Node[]): void {
  clear(container);
  for (const n of nodes) container.appendChild(n);
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
  text: string | Node,
  attrs: Record<string, string> = {},
): HTMLAnchorElement {
  return h('a', { href: `${BASE}${path}`, 'data-link': '', ...attrs }, text);
}

export function setTitle(text: string): void {
  document.title = `${text} · Countersign`;
}

export function heading(text: string, ...after: Node[]): HTMLElement {
  return h(
    'div',
    { class: 'view-head' },
    h('h1', { tabindex: '-1', id: 'view-title' }, text),
    ...after,
  );
}
