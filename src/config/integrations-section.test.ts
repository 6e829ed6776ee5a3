import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../errors/index.js';
import { parseConfigText } from './load-config.js';

const errorsOf = (text: string): { path: string; message: string }[] => {
  try {
    parseConfigText(text, '/srv/cs/countersign.yaml');
  } catch (err) {
    assert.ok(err instanceof InputError);
    return err.errors;
  }
  assert.fail('expected the configuration to be refused');
};

describe('integrations.github', () => {
  it('is off by default', () => {
    assert.equal(parseConfigText('{}', '/srv/cs/countersign.yaml').integrations.github, null);
  });

  it('reads the app, resolves the key file and applies defaults', () => {
    const c = parseConfigText(
      `integrations:
  github:
    appId: 123456
    privateKeyFile: keys/app.pem
    environments: { production: prod, "staging eu": staging }
`,
      '/srv/cs/countersign.yaml',
    );
    assert.deepEqual(c.integrations.github, {
      appId: '123456',
      privateKeyFile: '/srv/cs/keys/app.pem',
      privateKeyEnv: null,
      webhookSecretEnv: 'COUNTERSIGN_GITHUB_WEBHOOK_SECRET',
      apiUrl: 'https://api.github.com',
      webUrl: 'https://github.com',
      kind: 'deploy',
      environments: { production: 'prod', 'staging eu': 'staging' },
      requestTtlMs: null,
    });
  });

  it('lists every problem with its path', () => {
    const errors = errorsOf(`integrations:
  github:
    appId: abc
    privateKeyFile: a.pem
    privateKeyEnv: APP_KEY
    apiUrl: http://github.example.com
    environments: {}
    colour: blue
`);
    const paths = errors.map((e) => e.path).sort();
    assert.deepEqual(paths, [
      'integrations.github',
      'integrations.github.apiUrl',
      'integrations.github.appId',
      'integrations.github.colour',
      'integrations.github.environments',
    ]);
  });

  it('requires a key and an environment mapping', () => {
    const paths = errorsOf('integrations: { github: { appId: 1 } }').map((e) => e.path);
    assert.ok(paths.includes('integrations.github'), 'no private key named');
    assert.ok(paths.includes('integrations.github.environments'));
  });
});
