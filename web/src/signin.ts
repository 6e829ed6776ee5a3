/**
 * Who is at the console. Tried in order: a pasted API key (sessionStorage), the console session
 * cookie (GET /console/session), devMode (anyone can act, as a name they choose).
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
import { h } from './dom.js';
import { errorBox, heading, main, navigate, setTitle, showIn } from './shell.js';

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
  const keyError = h('div', { 'aria-live': 'assertive' });
  const keyInput = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'api-key-help',
  });
  const keyForm = h(
    'form',
    { class: 'card', 'aria-labelledby': 'apikey-title' },
    h('h2', { id: 'apikey-title' }, 'Sign in with an API key'),
    h(
      'p',
      { id: 'api-key-help', class: 'muted' },
      'For local demos. The key stays in this tab only (sessionStorage) and is sent as a Bearer token; closing the tab forgets it.',
    ),
    h('label', { for: 'api-key' }, 'API key'),
    keyInput,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in with key'),
    keyError,
  );
  keyForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const key = keyInput.value.trim();
    const as: Auth = { kind: 'apikey', key };
    void call('GET', '/v1/approvals?limit=1', { as, quiet401: true }).then(
      () => {
        setAuth(as);
        navigate('/');
      },
      (err: unknown) => showIn(keyError, errorBox(err)),
    );
  });

  const sso =
    oidcSignIn === 'on'
      ? h(
          'section',
          { class: 'card', 'aria-labelledby': 'sso-title' },
          h('h2', { id: 'sso-title' }, 'Sign in with your organisation'),
          h(
            'p',
            { class: 'muted' },
            'OpenID Connect (authorization code with PKCE); the session is an HttpOnly cookie.',
          ),
          h(
            'a',
            { class: 'button primary', href: '/console/login', 'data-testid': 'sso' },
            'Sign in with SSO',
          ),
        )
      : null;

  let dev: HTMLElement | null = null;
  if (isDevMode()) {
    const nameInput = h('input', {
      id: 'dev-user',
      name: 'dev-user',
      value: storedDevUser() ?? 'dev',
      pattern: '[a-z0-9][a-z0-9._-]{0,63}',
      required: true,
    });
    const devForm = h(
      'form',
      { class: 'card', 'aria-labelledby': 'dev-title' },
      h('h2', { id: 'dev-title' }, 'devMode: act as anyone'),
      h(
        'p',
        null,
        'This server runs in devMode: no authentication, anyone can act. Pick a name so requester and reviewer differ.',
      ),
      h('label', { for: 'dev-user' }, 'Name'),
      nameInput,
      h('button', { type: 'submit' }, 'Continue'),
    );
    devForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      setAuth({ kind: 'dev', user: nameInput.value.trim() });
      navigate('/');
    });
    dev = devForm;
  }

  showIn(
    main(),
    heading('Sign in'),
    reason ? errorBox(reason) : h('span'),
    h('div', { class: 'grid-2' }, sso, keyForm, dev),
  );
  (sso?.querySelector('a') ?? keyInput).focus();
}
