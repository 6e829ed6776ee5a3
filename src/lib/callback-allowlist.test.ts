import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCallbackAllowed, isUnderUrlPrefix } from './callback-allowlist.js';

const PREFIX = 'https://ok.example/hooks/';

describe('isUnderUrlPrefix', () => {
  it('accepts a URL under the prefix path, with a query', () => {
    assert.equal(isUnderUrlPrefix('https://ok.example/hooks/deploy?x=1', PREFIX), true);
    assert.equal(isUnderUrlPrefix('https://OK.example:443/hooks/a/b', PREFIX), true);
  });

  it('refuses dot segments that leave the prefix path, plain or encoded', () => {
    assert.equal(isUnderUrlPrefix('https://ok.example/hooks/../admin', PREFIX), false);
    assert.equal(isUnderUrlPrefix('https://ok.example/hooks/%2e%2e/admin', PREFIX), false);
    assert.equal(isUnderUrlPrefix('https://ok.example/hooks/.%2E/admin', PREFIX), false);
    assert.equal(isUnderUrlPrefix('https://ok.example/hooks/..%2fadmin', PREFIX), false);
    assert.equal(isUnderUrlPrefix('https://ok.example/hooks/..%5Cadmin', PREFIX), false);
    assert.equal(isUnderUrlPrefix('https://ok.example/hooks\\..\\admin', PREFIX), false);
  });

  it('refuses user info, which a string prefix would let through to another host', () => {
    assert.equal(isUnderUrlPrefix('https://ok.example/hooks/x', 'https://ok.example'), true);
    assert.equal(isUnderUrlPrefix('https://ok.example@evil.example/', 'https://ok.example'), false);
    assert.equal(isUnderUrlPrefix('https://user:pw@ok.example/hooks/x', PREFIX), false);
  });

  it('requires the same scheme, host and port', () => {
    assert.equal(isUnderUrlPrefix('http://ok.example/hooks/x', PREFIX), false);
    assert.equal(isUnderUrlPrefix('https://ok.example:8443/hooks/x', PREFIX), false);
    assert.equal(isUnderUrlPrefix('https://ok.example.evil.example/hooks/x', PREFIX), false);
    assert.equal(
      isUnderUrlPrefix('https://ok.example.evil.example/x', 'https://ok.example'),
      false,
    );
  });

  it('matches paths on segment boundaries only', () => {
    assert.equal(
      isUnderUrlPrefix('https://ok.example/hooksevil', 'https://ok.example/hooks'),
      false,
    );
    assert.equal(isUnderUrlPrefix('https://ok.example/hooks', 'https://ok.example/hooks'), true);
    assert.equal(isUnderUrlPrefix('https://ok.example/hooks/x', 'https://ok.example/hooks'), true);
    assert.equal(isUnderUrlPrefix('https://ok.example/hooks', PREFIX), false);
  });

  it('refuses what does not parse', () => {
    assert.equal(isUnderUrlPrefix('not a url', PREFIX), false);
    assert.equal(isUnderUrlPrefix('https://ok.example/hooks/x', 'not a url'), false);
  });
});

describe('isCallbackAllowed', () => {
  it('is true when any prefix matches, false for an empty list', () => {
    const list = ['https://a.example/x/', PREFIX];
    assert.equal(isCallbackAllowed('https://ok.example/hooks/1', list), true);
    assert.equal(isCallbackAllowed('https://ok.example/hooks/1', []), false);
  });
});
