/**
 * Who is at the console. Tried in order: a pasted API key (sessionStorage: this tab only), the
 * console session cookie (GET /console/session: an HttpOnly cookie, so every tab of the browser
 * is signed in), devMode (anyone can act, as a name they choose).
 */
import {
  ApiError,
  call,
  currentAuth,
  getJson,
  isDevMode,
  setAuth,
  storedApiKey,
  storedDevUser,
  type Auth,
} from './api.js';
import { html, nothing } from './lit.js';
import { errorBox, heading, navigate, setTitle, show } from './shell.js';

interface SessionView {
  id: string;
  name: string;
  groups: string[];
}

/** 'on' = /console/login works; 'off' = the server has no console sign-in configured. */
let oidcSignIn: 'on' | 'off' = 'off';

export async function restoreAuth(): Promise<Auth> {
  const key = storedApiKey();
  if (key) {
    setAuth({ kind: 'apikey', key });
    return currentAuth();
  }
  try {
    const me = await getJson<SessionView>('/console/session', {
      quiet401: true,
      as: { kind: 'none' },
    });
    oidcSignIn = 'on';
    setAuth({ kind: 'session', name: me.name, groups: me.groups });
    return currentAuth();
  } catch (err) {
    oidcSignIn = err instanceof ApiError && err.status === 401 ? 'on' : 'off';
  }
  // devMode shows itself in a response header; /healthz needs no auth
  await call('GET', '/healthz', { as: { kind: 'none' }, quiet401: true }).catch(() => null);
  if (isDevMode()) {
    setAuth({ kind: 'dev', user: storedDevUser() ?? 'dev' });
    return currentAuth();
  }
  setAuth({ kind: 'none' });
  return currentAuth();
}

export function whoLabel(a: Auth): string {
  switch (a.kind) {
    case 'session':
      return a.name;
    case 'apikey':
      // the id part of cs_<id>_<secret> is not secret; the rest never reaches the page
      return `API key ${/^cs_[a-z0-9]+/.exec(a.key)?.[0] ?? '(pasted)'}`;
    case 'dev':
      return `dev:${a.user}`;
    case 'none':
      return 'not signed in';
  }
}

export async function signOut(): Promise<void> {
  const a = currentAuth();
  if (a.kind === 'session') await call('POST', '/console/logout').catch(() => null);
  sessionStorage.clear();
  setAuth({ kind: 'none' });
}

export function renderSignIn(reason?: unknown): void {
  setTitle('Sign in');
  let keyError: unknown = null;
  const signInWithKey = (ev: Event) => {
    ev.preventDefault();
    const input = document.getElementById('api-key') as HTMLInputElement;
    const as: Auth = { kind: 'apikey', key: input.value.trim() };
    void call('GET', '/v1/approvals?limit=1', { as, quiet401: true }).then(
      () => {
        setAuth(as);
        navigate('/');
      },
      (err: unknown) => {
        keyError = err;
        draw();
      },
    );
  };
  const continueAsDev = (ev: Event) => {
    ev.preventDefault();
    const input = document.getElementById('dev-user') as HTMLInputElement;
    setAuth({ kind: 'dev', user: input.value.trim() });
    navigate('/');
  };
  const sso =
    oidcSignIn === 'on'
      ? html`<section class="card" aria-labelledby="sso-title">
          <h2 id="sso-title">Sign in with your organisation</h2>
          <p class="muted">
            OpenID Connect (authorization code with PKCE). The session is an HttpOnly cookie: new
            tabs and windows of this browser stay signed in until it expires or you sign out.
          </p>
          <a class="button primary" href="/console/login" data-testid="sso">Sign in with SSO</a>
        </section>`
      : nothing;
  const dev = isDevMode()
    ? html`<form class="card" aria-labelledby="dev-title" @submit=${continueAsDev}>
        <h2 id="dev-title">devMode: act as anyone</h2>
        <p>
          This server runs in devMode: no authentication, anyone can act. Pick a name so requester
          and reviewer differ.
        </p>
        <label for="dev-user">Name</label>
        <input
          id="dev-user"
          name="dev-user"
          .value=${storedDevUser() ?? 'dev'}
          pattern="[a-z0-9][a-z0-9._-]{0,63}"
          required
        />
        <button type="submit">Continue</button>
      </form>`
    : nothing;
  const draw = () =>
    show(
      html`${heading('Sign in')} ${reason ? errorBox(reason) : nothing}
        <div class="grid-2">
          ${sso}
          <form class="card" aria-labelledby="apikey-title" @submit=${signInWithKey}>
            <h2 id="apikey-title">Sign in with an API key</h2>
            <p id="api-key-help" class="muted">
              For local demos. The key stays in this tab only (sessionStorage) and is sent as a
              Bearer token; a new tab asks again, and closing the tab forgets it.
            </p>
            <label for="api-key">API key</label>
            <input
              id="api-key"
              name="api-key"
              type="password"
              autocomplete="off"
              spellcheck="false"
              required
              aria-describedby="api-key-help"
            />
            <button type="submit" class="primary">Sign in with key</button>
            <div aria-live="assertive">${keyError ? errorBox(keyError) : nothing}</div>
          </form>
          ${dev}
        </div>`,
    );
  draw();
  (
    document.querySelector<HTMLElement>('[data-testid=sso]') ?? document.getElementById('api-key')
  )?.focus();
}
