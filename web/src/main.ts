/** Boot and client-side routing for the console (served at /console/). */
import { currentAuth, isDevMode, onDevMode, onUnauthorized } from './api.js';
import { renderAudit, renderAuditEvent } from './audit.js';
import { renderBreakGlass } from './break-glass.js';
import { renderDetail } from './detail.js';
import { html } from './lit.js';
import { renderQueue } from './queue.js';
import { BASE, setNavigate, show } from './shell.js';
import { renderSignIn, restoreAuth, signOut, whoLabel } from './signin.js';

let cleanup: () => void = () => undefined;

function drawHeader(): void {
  const who = document.getElementById('who');
  const out = document.getElementById('sign-out') as HTMLButtonElement | null;
  const a = currentAuth();
  if (who) who.textContent = whoLabel(a);
  if (out) out.hidden = a.kind === 'none';
  const banner = document.getElementById('dev-banner');
  if (banner) banner.hidden = !isDevMode();
  for (const el of document.querySelectorAll<HTMLAnchorElement>('nav a[data-link]')) {
    const path = location.pathname.replace(/\/$/, '');
    const target = el.pathname.replace(/\/$/, '');
    const current =
      target === BASE
        ? path === BASE || path.startsWith(`${BASE}/approvals`)
        : path.startsWith(target);
    if (current) el.setAttribute('aria-current', 'page');
    else el.removeAttribute('aria-current');
  }
}

function route(): void {
  cleanup();
  cleanup = () => undefined;
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '/';
  const params = new URLSearchParams(location.search);
  drawHeader();
  if (currentAuth().kind === 'none' || path === '/sign-in') {
    renderSignIn();
    return;
  }
  let m: RegExpExecArray | null;
  if ((m = /^\/approvals\/([A-Za-z0-9_:.-]+)$/.exec(path))) cleanup = renderDetail(m[1] as string);
  else if (path === '/break-glass') cleanup = renderBreakGlass();
  else if ((m = /^\/audit\/([0-9]+)$/.exec(path))) cleanup = renderAuditEvent(Number(m[1]));
  else if (path === '/audit') cleanup = renderAudit(params);
  else if (path === '/' || path === '' || path === '/approvals') cleanup = renderQueue(params);
  else
    show(
      html`<h1>Not found</h1>
        <p>No such page in the console.</p>`,
    );
  // move focus to the new view's heading so keyboard and screen-reader users land there
  document.getElementById('view-title')?.focus({ preventScroll: true });
}

function navigate(path: string): void {
  history.pushState(null, '', `${BASE}${path}`);
  route();
}

async function boot(): Promise<void> {
  setNavigate(navigate);
  onDevMode(() => drawHeader());
  onUnauthorized((err) => {
    // the key or session stopped working: say so, and offer sign-in again
    cleanup();
    sessionStorage.removeItem('countersign.apiKey');
    void restoreAuth().then(() => {
      drawHeader();
      renderSignIn(err);
    });
  });
  document.addEventListener('click', (ev) => {
    const a = (ev.target as Element | null)?.closest?.('a[data-link]') as HTMLAnchorElement | null;
    if (
      !a ||
      ev.defaultPrevented ||
      ev.button !== 0 ||
      ev.metaKey ||
      ev.ctrlKey ||
      ev.shiftKey ||
      ev.altKey
    )
      return;
    ev.preventDefault();
    navigate(a.pathname.slice(BASE.length) + a.search);
  });
  window.addEventListener('popstate', route);
  document.getElementById('sign-out')?.addEventListener('click', () => {
    void signOut().then(() => navigate('/sign-in'));
  });
  await restoreAuth();
  // the static "Loading…" goes; from here on lit-html owns <main>
  document.getElementById('main')?.replaceChildren();
  route();
}

void boot();
