import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, type Harness } from '../helpers/harness.js';

describe('the web console is served at /console', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => h.close());

  test('index.html for the console and its client-side routes, with a strict CSP', async () => {
    for (const url of [
      '/console',
      '/console/',
      '/console/approvals/apr_1',
      '/console/audit?approval=x',
      '/console/break-glass',
      '/console/sign-in',
    ]) {
      const res = await h.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^text\/html/, url);
      assert.match(
        res.body,
        /<script type="module" src="\/console\/assets\/web\/src\/main\.js">/,
        url,
      );
      assert.match(String(res.headers['content-security-policy']), /script-src 'self'/, url);
    }
  });

  test('compiled assets are served; unknown console paths are a 404 problem, not the page', async () => {
    // dist/web/assets mirrors the repository: the console, the shared spec-diff and audit event
    // types, vendored lit-html
    for (const url of [
      '/console/assets/web/src/main.js',
      '/console/assets/src/lib/spec-diff.js',
      '/console/assets/src/domain/audit-event.js',
      '/console/assets/node_modules/lit-html/lit-html.js',
      '/console/assets/node_modules/lit-html/directives/live.js',
    ]) {
      const js = await h.app.inject({ method: 'GET', url });
      assert.equal(js.statusCode, 200, url);
      assert.match(String(js.headers['content-type']), /javascript/, url);
    }
    // nothing that renders raw markup is shipped
    const unsafe = await h.app.inject({
      method: 'GET',
      url: '/console/assets/node_modules/lit-html/directives/unsafe-html.js',
    });
    assert.equal(unsafe.statusCode, 404);
    const css = await h.app.inject({ method: 'GET', url: '/console/assets/console.css' });
    assert.equal(css.statusCode, 200);
    for (const url of ['/console/nope', '/console/assets/missing.js', '/console/login']) {
      const res = await h.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().code, 'not_found', url);
    }
  });
});
