/** Small template helpers shared by the views (lit-html: values are text, never markup). */
import type { nothing } from './lit.js';
import { html, type TemplateResult } from './lit.js';
import { localTime, relative } from './format.js';

export type Content = TemplateResult | string | number | typeof nothing | null | undefined;

/** A definition list from label → value pairs; empty values are shown as an em dash. */
export function dl(rows: [string, Content | Content[]][], cls = 'facts'): TemplateResult {
  return html`<dl class=${cls}>
    ${rows.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v === null || v === undefined || v === '' ? '—' : v}</dd>`,
    )}
  </dl>`;
}

export function chips(values: readonly string[], cls = 'chip'): TemplateResult {
  if (values.length === 0) return html`<span class="muted">none</span>`;
  return html`<ul class="chips">
    ${values.map(
      (v) => html`<li class=${`${cls} ${cls}-${v.replace(/[^a-z0-9-]/gi, '')}`}>${v}</li>`,
    )}
  </ul>`;
}

export function code(text: string): TemplateResult {
  return html`<code class="hash">${text}</code>`;
}

/** A time with its zone and how long ago / from now, machine-readable in `datetime`. */
export function when(iso: string, now = Date.now()): TemplateResult {
  return html`<time datetime=${iso} title=${iso}
    >${localTime(iso)} <span class="muted">(${relative(iso, now)})</span></time
  >`;
}

/** An external link the server built from `console.links`; anything but http(s) is plain text. */
export function externalLink(url: string | undefined, text: string): TemplateResult | string {
  if (!url || !/^https?:\/\//i.test(url)) return text;
  return html`<a href=${url} target="_blank" rel="noopener noreferrer" class="external"
    >${text}</a
  >`;
}
