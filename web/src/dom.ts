/** A tiny element builder: no framework, no innerHTML, so API text is never parsed as HTML. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(
      typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c,
    );
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** A definition list from label → value pairs; empty values are shown as an em dash. */
export function dl(rows: [string, Child | Child[]][], cls = 'facts'): HTMLDListElement {
  return h(
    'dl',
    { class: cls },
    rows.flatMap(([k, v]) => [
      h('dt', null, k),
      h('dd', null, v === null || v === undefined || v === '' ? '—' : v),
    ]),
  );
}

export function chips(values: readonly string[], cls = 'chip'): HTMLElement {
  if (values.length === 0) return h('span', { class: 'muted' }, 'none');
  return h(
    'ul',
    { class: 'chips' },
    values.map((v) => h('li', { class: `${cls} ${cls}-${v.replace(/[^a-z0-9-]/gi, '')}` }, v)),
  );
}

export function code(text: string): HTMLElement {
  return h('code', { class: 'hash' }, text);
}
