/** State and break-glass badges, the same everywhere. */
import { h } from './dom.js';
import type { Approval } from './types.js';

export function stateBadge(state: string): HTMLElement {
  return h('span', { class: `badge state-${state}`, 'data-testid': 'state' }, state);
}

export function breakGlassBadge(a: Pick<Approval, 'breakGlass'>): HTMLElement | null {
  return a.breakGlass
    ? h(
        'span',
        {
          class: 'badge badge-break-glass',
          title: 'Break-glass: approved immediately by its declarer',
        },
        '⚠ break-glass',
      )
    : null;
}
