/** State and break-glass badges, the same everywhere. */
import { html, nothing } from './lit.js';
import type { Approval } from './types.js';

export function stateBadge(state: string) {
  return html`<span class=${`badge state-${state}`} data-testid="state">${state}</span>`;
}

export function breakGlassBadge(a: Pick<Approval, 'breakGlass'>) {
  return a.breakGlass
    ? html`<span
        class="badge badge-break-glass"
        title="Break-glass: approved immediately by its declarer"
        >⚠ break-glass</span
      >`
    : nothing;
}
