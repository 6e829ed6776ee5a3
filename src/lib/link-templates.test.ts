import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildLinks, checkLinkTemplate, commitOf, fillLinkTemplate } from './link-templates.js';

describe('link templates: safe links for what an action names', () => {
  test('values are encoded; a repository keeps its slash; missing values make no link', () => {
    const links = buildLinks(
      {
        repository: 'https://github.com/{repository}',
        run: 'https://github.com/{repository}/actions/runs/{runId}',
        workflow: 'https://ci.example/{workflow}?env={environment}',
        commit: 'https://github.com/{repository}/commit/{commit}',
      },
      { repository: 'acme/shop', runId: '42 & more', workflow: 'a b', environment: 'prod' },
    );
    assert.deepEqual(links, {
      repository: 'https://github.com/acme/shop',
      run: 'https://github.com/acme/shop/actions/runs/42%20%26%20more',
      workflow: 'https://ci.example/a%20b?env=prod',
    });
  });

  test('a value can never move the link to another origin or scheme', () => {
    const t = 'https://github.com/{repository}';
    assert.equal(
      fillLinkTemplate(t, { repository: '../../evil.example/x' }),
      'https://github.com/evil.example/x',
    );
    assert.equal(
      fillLinkTemplate(t, { repository: '//evil.example' }),
      'https://github.com/evil.example',
    );
    assert.equal(
      fillLinkTemplate('https://x.example/?r={runId}', { runId: 'javascript:alert(1)' }),
      'https://x.example/?r=javascript%3Aalert(1)',
    );
    assert.equal(fillLinkTemplate('https://{repository}/x', { repository: 'evil.example' }), null);
  });

  test('templates are checked when configured', () => {
    assert.equal(checkLinkTemplate('https://github.com/{repository}'), null);
    assert.match(checkLinkTemplate('javascript:alert({runId})') ?? '', /http/);
    assert.match(checkLinkTemplate('https://{repository}.example/') ?? '', /scheme or host/);
    assert.match(checkLinkTemplate('https://x.example/{secret}') ?? '', /unknown placeholder/);
    assert.match(checkLinkTemplate('not a url') ?? '', /absolute/);
  });

  test('the commit comes from spec.commit or spec.sha when it looks like one', () => {
    assert.equal(commitOf({ commit: '0123abc' }), '0123abc');
    assert.equal(commitOf({ sha: 'ABCDEF0123' }), 'ABCDEF0123');
    assert.equal(commitOf({ commit: 'main; rm -rf' }), undefined);
    assert.equal(commitOf(['0123abc']), undefined);
    assert.equal(commitOf(null), undefined);
  });
});
