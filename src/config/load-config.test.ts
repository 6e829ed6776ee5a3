import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../errors/index.js';
import { defaultConfig, loadConfig } from './load-config.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'countersign-config-'));
}

function writeConfig(text: string, name = 'countersign.yaml'): { dir: string; file: string } {
  const dir = tempDir();
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

function configErrors(text: string, env: Record<string, string> = {}) {
  const { file } = writeConfig(text);
  try {
    loadConfig({ file, env });
  } catch (err) {
    assert.ok(err instanceof InputError, String(err));
    assert.equal(err.code, 'validation_failed');
    assert.equal(err.message, `invalid configuration in ${file}`);
    return err.errors;
  }
  assert.fail('expected a validation error');
}

/** The docs/configuration.md example, complete. */
const FULL = `
server:
  listen: 127.0.0.1:8080
  publicUrl: http://127.0.0.1:8080
  devMode: false
  bodyLimit: 1MiB
store:
  url: sqlite:./.countersign/countersign.db
signing:
  issuer: countersign:acme
  keysDir: ./.countersign/keys
  clockSkew: 30s
  maxCredentialTtl: 24h
audit:
  origin: countersign.acme/audit
  checkpointEvery: 1s
identity:
  oidc:
    - issuer: https://login.example.com
      audience: countersign
      jwksUri: https://login.example.com/.well-known/jwks.json
      algorithms: [RS256, ES256, EdDSA]
      groupsClaim: groups
      leeway: 60s
  rbac:
    scopes:
      admin: [platform-admins]
      audit:read: [auditors]
    groupMappings:
      "github-team:payments-owners": Payments Owners
    repositoryPermissions:
      - repository: payments/api
        approverGroup: IAM
        groups: [Payments Owners]
        actions: [approve, deny]
policy:
  file: ./policy.yaml
notifications:
  onEvents: [requested, decided, break_glass]
  providers:
    slack:      { urlEnv: COUNTERSIGN_SLACK_WEBHOOK_URL }
    teams:      { urlEnv: COUNTERSIGN_TEAMS_WEBHOOK_URL }
    jira:       { url: https://jira.example/rest/api/3/issue, tokenEnv: JIRA_TOKEN, project: OPS, issueType: Task }
    servicenow: { instanceUrl: https://acme.service-now.com, userEnv: SN_USER, passwordEnv: SN_PASSWORD }
    webhook:    { urlEnv: COUNTERSIGN_WEBHOOK_URL, secretEnv: COUNTERSIGN_WEBHOOK_SECRET }
  retry: { attempts: 6, initialDelay: 1s, maxDelay: 5m }
  callbackSecretEnv: COUNTERSIGN_CALLBACK_SECRET
  callbackAllowlist: [https://ci.example.com/hooks/]
`;

describe('loadConfig', () => {
  it('loads the docs/configuration.md example with durations in ms, sizes in bytes and absolute paths', () => {
    const { dir, file } = writeConfig(FULL);
    const c = loadConfig({ file, env: {} });
    assert.equal(c.file, file);
    assert.equal(c.baseDir, dir);
    assert.deepEqual(c.server, {
      listen: '127.0.0.1:8080',
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      devMode: false,
      bodyLimitBytes: 1024 * 1024,
      cors: { origins: [] },
      trustProxy: [],
      rateLimit: { authFailuresPerMinute: 20, mutationsPerMinute: 6000 },
    });
    assert.deepEqual(c.store, { kind: 'sqlite', path: join(dir, '.countersign/countersign.db') });
    assert.deepEqual(c.signing, {
      issuer: 'countersign:acme',
      keysDir: join(dir, '.countersign/keys'),
      clockSkewMs: 30_000,
      maxCredentialTtlMs: 86_400_000,
    });
    assert.deepEqual(c.audit, {
      origin: 'countersign.acme/audit',
      checkpointEveryMs: 1000,
      witnesses: [],
      minCosignatures: 0,
    });
    assert.deepEqual(c.identity.oidc, [
      {
        issuer: 'https://login.example.com',
        audience: ['countersign'],
        jwksUri: 'https://login.example.com/.well-known/jwks.json',
        jwksFile: null,
        algorithms: ['RS256', 'ES256', 'EdDSA'],
        groupsClaim: 'groups',
        leewayMs: 60_000,
      },
    ]);
    assert.deepEqual(c.identity.rbac.scopes, {
      admin: ['platform-admins'],
      'audit:read': ['auditors'],
    });
    assert.deepEqual(
      { ...c.identity.rbac.groupMappings },
      { 'github-team:payments-owners': ['Payments Owners'] },
    );
    assert.deepEqual(c.identity.rbac.repositoryPermissions, [
      {
        repository: 'payments/api',
        approverGroup: 'IAM',
        groups: ['Payments Owners'],
        actions: ['approve', 'deny'],
      },
    ]);
    assert.equal(c.policy.file, join(dir, 'policy.yaml'));
    assert.deepEqual(c.notifications.providers.jira, {
      url: 'https://jira.example/rest/api/3/issue',
      tokenEnv: 'JIRA_TOKEN',
      userEnv: null,
      project: 'OPS',
      issueType: 'Task',
    });
    assert.deepEqual(c.notifications.providers.webhook, {
      urlEnv: 'COUNTERSIGN_WEBHOOK_URL',
      secretEnv: 'COUNTERSIGN_WEBHOOK_SECRET',
    });
    assert.deepEqual(c.notifications.retry, {
      attempts: 6,
      initialDelayMs: 1000,
      maxDelayMs: 300_000,
    });
    assert.deepEqual(c.notifications.callbackAllowlist, ['https://ci.example.com/hooks/']);
  });

  it('reads JSON as well as YAML', () => {
    const { file } = writeConfig(
      JSON.stringify({ server: { listen: '127.0.0.1:9000' } }),
      'c.json',
    );
    assert.equal(loadConfig({ file, env: {} }).server.port, 9000);
  });

  it('returns a deeply frozen object', () => {
    const { file } = writeConfig(FULL);
    const c = loadConfig({ file, env: {} });
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.server.cors.origins));
    assert.ok(Object.isFrozen(c.identity.oidc[0]));
    assert.throws(() => {
      (c.server as { port: number }).port = 1;
    }, TypeError);
  });

  it('applies a default for every key of an empty file', () => {
    const { dir, file } = writeConfig('# nothing\n');
    const c = loadConfig({ file, env: {} });
    assert.deepEqual(c, { ...defaultConfig(dir), file });
    assert.equal(c.server.listen, '127.0.0.1:8080');
    assert.equal(c.server.publicUrl, 'http://127.0.0.1:8080');
    assert.deepEqual(c.identity.oidc, []);
    assert.deepEqual(c.notifications.onEvents, ['requested', 'decided', 'break_glass']);
    assert.deepEqual(c.notifications.callbackAllowlist, []);
    assert.equal(c.notifications.callbackSecretEnv, 'COUNTERSIGN_CALLBACK_SECRET');
    assert.equal(c.notifications.providers.slack, null);
    assert.equal(c.signing.issuer, 'countersign');
    assert.equal(c.audit.origin, 'countersign/audit');
  });

  it('defaultConfig resolves default paths against the base directory', () => {
    const c = defaultConfig('/srv/cs');
    assert.equal(c.file, null);
    assert.deepEqual(c.store, { kind: 'sqlite', path: '/srv/cs/.countersign/countersign.db' });
    assert.equal(c.signing.keysDir, '/srv/cs/.countersign/keys');
    assert.equal(c.policy.file, '/srv/cs/policy.yaml');
  });

  it('takes the file from COUNTERSIGN_CONFIG, relative to cwd', () => {
    const { dir } = writeConfig('server: { listen: "127.0.0.1:7000" }\n', 'custom.yaml');
    const c = loadConfig({ cwd: dir, env: { COUNTERSIGN_CONFIG: 'custom.yaml' } });
    assert.equal(c.file, join(dir, 'custom.yaml'));
    assert.equal(c.server.port, 7000);
  });

  it('prefers the file option over COUNTERSIGN_CONFIG', () => {
    const { dir } = writeConfig('server: { listen: "127.0.0.1:7001" }\n', 'a.yaml');
    writeFileSync(join(dir, 'b.yaml'), 'server: { listen: "127.0.0.1:7002" }\n');
    const c = loadConfig({ file: 'a.yaml', cwd: dir, env: { COUNTERSIGN_CONFIG: 'b.yaml' } });
    assert.equal(c.server.port, 7001);
  });

  it('finds countersign.yaml in cwd, and uses defaults when there is none', () => {
    const { dir } = writeConfig('server: { listen: "127.0.0.1:7003" }\n');
    assert.equal(loadConfig({ cwd: dir, env: {} }).server.port, 7003);
    const empty = tempDir();
    const c = loadConfig({ cwd: empty, env: {} });
    assert.equal(c.file, null);
    assert.equal(c.baseDir, empty);
    assert.equal(c.server.port, 8080);
  });

  it('reports a missing file', () => {
    const dir = tempDir();
    assert.throws(
      () => loadConfig({ file: join(dir, 'nope.yaml'), env: {} }),
      (err: unknown) =>
        err instanceof InputError &&
        err.code === 'validation_failed' &&
        err.errors[0]?.message === 'file not found',
    );
  });

  it('resolves relative paths against the config file directory, not cwd', () => {
    const { dir } = writeConfig(
      'store: { url: "sqlite:data/cs.db" }\nsigning: { keysDir: keys }\npolicy: { file: ../shared/policy.yaml }\n',
    );
    const c = loadConfig({ file: join(dir, 'countersign.yaml'), cwd: '/', env: {} });
    assert.deepEqual(c.store, { kind: 'sqlite', path: join(dir, 'data/cs.db') });
    assert.equal(c.signing.keysDir, join(dir, 'keys'));
    assert.equal(c.policy.file, join(dir, '../shared/policy.yaml'));
  });

  it('keeps absolute paths and sqlite::memory:', () => {
    const { file } = writeConfig(
      'store: { url: "sqlite::memory:" }\nsigning: { keysDir: /var/lib/cs/keys }\n',
    );
    const c = loadConfig({ file, env: {} });
    assert.deepEqual(c.store, { kind: 'sqlite', path: ':memory:' });
    assert.equal(c.signing.keysDir, '/var/lib/cs/keys');
  });

  it('exposes postgres stores with their pool', () => {
    const { file } = writeConfig(
      'store:\n  url: postgresql://cs@db:5432/countersign\n  pool: { max: 20, idleTimeout: 1m }\n',
    );
    assert.deepEqual(loadConfig({ file, env: {} }).store, {
      kind: 'postgres',
      url: 'postgresql://cs@db:5432/countersign',
      pool: { max: 20, idleTimeoutMs: 60_000 },
    });
    const { file: f2 } = writeConfig('store: { url: "postgres://cs@db/countersign" }\n');
    assert.deepEqual(loadConfig({ file: f2, env: {} }).store, {
      kind: 'postgres',
      url: 'postgres://cs@db/countersign',
      pool: { max: 10, idleTimeoutMs: 30_000 },
    });
  });

  it('lets COUNTERSIGN_STORE_URL and COUNTERSIGN_LISTEN override the file', () => {
    const { file } = writeConfig(FULL);
    const c = loadConfig({
      file,
      env: { COUNTERSIGN_STORE_URL: 'postgres://cs@db/cs', COUNTERSIGN_LISTEN: '[::1]:9090' },
    });
    assert.equal(c.store.kind, 'postgres');
    assert.equal(c.server.host, '::1');
    assert.equal(c.server.port, 9090);
    const empty = loadConfig({ file, env: { COUNTERSIGN_STORE_URL: '' } });
    assert.equal(empty.store.kind, 'sqlite');
  });

  it('names the environment variable when an override is invalid, without echoing it', () => {
    const errors = configErrors('{}', {
      COUNTERSIGN_STORE_URL: 'mysql://root:hunter2@db/x',
      COUNTERSIGN_LISTEN: 'everywhere',
    });
    assert.deepEqual(errors, [
      {
        path: 'server.listen',
        message: 'must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080 (set by COUNTERSIGN_LISTEN)',
      },
      {
        path: 'store.url',
        message:
          'must be sqlite:PATH or postgres://user@host:5432/db (set by COUNTERSIGN_STORE_URL)',
      },
    ]);
    assert.ok(!JSON.stringify(errors).includes('hunter2'));
  });

  it('validates everything and lists every error with its path', () => {
    const errors = configErrors(`
server:
  listen: 127.0.0.1:99999
  unknownKey: 1
  bodyLimit: lots
  devMode: maybe
  cors: { origins: [https://console.example.com/app] }
store: { url: "sqlite:" }
signing: { clockSkew: soon, maxCredentialTtl: 0 }
audit: { origin: "has space" }
identity:
  oidc:
    - issuer: http://login.example.com
      jwksUri: https://login.example.com/jwks
      jwksFile: ./jwks.json
      algorithms: [HS256, none]
  rbac:
    scopes: { superuser: [x] }
    repositoryPermissions: [{ repository: a/b, approverGroup: IAM, groups: [], actions: [merge] }]
notifications:
  onEvents: [created]
  providers:
    slack: { url: https://hooks.slack.com/services/T/B/secret }
    email: {}
  retry: { attempts: 0, initialDelay: 10m, maxDelay: 1m }
  callbackSecretEnv: "lower case"
  callbackAllowlist: [https://ci.example.com]
extra: 1
`);
    const expected: Record<string, string> = {
      extra: 'unknown field',
      'server.unknownKey': 'unknown field',
      'server.listen': 'must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080',
      'server.devMode': 'must be true or false',
      'server.bodyLimit': 'must be a size like 1MiB, from 1024 to 104857600 bytes',
      'server.cors.origins[0]': 'must be an origin like https://console.example.com',
      'store.url': 'must be sqlite:PATH or postgres://user@host:5432/db',
      'signing.clockSkew': 'must be a duration like 30s',
      'signing.maxCredentialTtl': 'must be longer than 0s',
      'audit.origin': 'must be printable ASCII without spaces',
      'identity.oidc[0].issuer': 'must be an https URL (http only for loopback hosts)',
      'identity.oidc[0].audience': 'is required',
      'identity.oidc[0]': 'needs exactly one of jwksUri and jwksFile',
      'identity.oidc[0].algorithms[0]':
        'must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA',
      'identity.oidc[0].algorithms[1]':
        'must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA',
      'identity.rbac.scopes.superuser': 'unknown field',
      'identity.rbac.repositoryPermissions[0].groups': 'must list at least one entry',
      'identity.rbac.repositoryPermissions[0].actions[0]': 'must be one of approve, deny',
      'notifications.onEvents[0]': 'must be one of requested, decided, break_glass',
      'notifications.providers.slack.url': 'unknown field',
      'notifications.providers.slack.urlEnv': 'is required',
      'notifications.providers.email': 'unknown field',
      'notifications.retry.attempts': 'must be an integer from 1 to 50',
      'notifications.retry.initialDelay': 'must not be longer than notifications.retry.maxDelay',
      'notifications.callbackSecretEnv':
        'must be an environment variable name (letters, digits, _)',
      'notifications.callbackAllowlist[0]':
        'must include the path after the host, e.g. https://ci.example.com/hooks/',
    };
    const actual = Object.fromEntries(errors.map((e) => [e.path, e.message]));
    assert.deepEqual(actual, expected);
    assert.equal(errors.length, Object.keys(expected).length);
  });

  it('refuses devMode on a non-loopback listen address', () => {
    for (const listen of ['0.0.0.0:8080', '10.0.0.5:8080', '[::]:8080', 'example.com:8080']) {
      const errors = configErrors(`server: { devMode: true, listen: "${listen}" }\n`);
      assert.deepEqual(
        errors,
        [
          {
            path: 'server.devMode',
            message: 'is only allowed with a loopback listen address (127.0.0.0/8, ::1, localhost)',
          },
        ],
        listen,
      );
    }
  });

  it('allows devMode on loopback addresses', () => {
    for (const listen of ['127.0.0.1:8080', '127.1.2.3:0', '[::1]:8080', 'localhost:3000']) {
      const { file } = writeConfig(`server: { devMode: true, listen: "${listen}" }\n`);
      assert.equal(loadConfig({ file, env: {} }).server.devMode, true, listen);
    }
  });

  it('resolves jwksFile against the config directory and accepts a list of audiences', () => {
    const { dir, file } = writeConfig(`
identity:
  oidc:
    - issuer: http://127.0.0.1:9999
      audience: [countersign, cs-cli]
      jwksFile: ./idp/jwks.json
`);
    const [oidc] = loadConfig({ file, env: {} }).identity.oidc;
    assert.equal(oidc?.jwksFile, join(dir, 'idp/jwks.json'));
    assert.equal(oidc?.jwksUri, null);
    assert.deepEqual(oidc?.audience, ['countersign', 'cs-cli']);
    assert.deepEqual(oidc?.algorithms, ['RS256', 'ES256', 'EdDSA']);
  });

  it('refuses duplicate OIDC issuers', () => {
    const entry =
      '{ issuer: "https://a.example", audience: cs, jwksUri: "https://a.example/jwks" }';
    const errors = configErrors(`identity: { oidc: [${entry}, ${entry}] }\n`);
    assert.deepEqual(errors, [{ path: 'identity.oidc[1].issuer', message: 'duplicate issuer' }]);
  });

  it('refuses credentials inside URLs', () => {
    const errors = configErrors(
      'notifications: { providers: { jira: { url: "https://bot:pw@jira.example/x", tokenEnv: T, project: OPS } } }\n',
    );
    assert.deepEqual(errors, [
      {
        path: 'notifications.providers.jira.url',
        message: 'must not contain credentials (name an environment variable instead)',
      },
    ]);
  });

  it('reports YAML syntax errors with positions', () => {
    const errors = configErrors('server:\n  listen: [\n');
    assert.ok(errors.length > 0);
    assert.match(errors[0]?.path ?? '', /^line \d+, column \d+$/);
  });

  it("accepts cors origins and trustProxy as the proxies' addresses and CIDRs", () => {
    const { file } = writeConfig(
      'server: { cors: { origins: ["https://console.example.com", "http://localhost:5173"] }, trustProxy: ["10.0.0.0/8", "192.0.2.7", "fd00::/8", "::1"] }\n',
    );
    const c = loadConfig({ file, env: {} });
    assert.deepEqual(c.server.cors.origins, [
      'https://console.example.com',
      'http://localhost:5173',
    ]);
    assert.deepEqual(c.server.trustProxy, ['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '::1']);
    assert.deepEqual(
      loadConfig({ file: writeConfig('server: { trustProxy: false }\n').file, env: {} }).server
        .trustProxy,
      [],
    );
  });

  it('refuses trustProxy: true (it would believe any X-Forwarded-For) and bad addresses', () => {
    const errors = configErrors('server: { trustProxy: true }\n');
    assert.equal(errors[0]?.path, 'server.trustProxy');
    assert.match(errors[0]?.message ?? '', /any X-Forwarded-For/);
    const bad = configErrors(
      'server: { trustProxy: ["10.0.0.0/33", "proxy.example.com", "::1/129"] }\n',
    );
    assert.deepEqual(
      bad.map((e) => e.path),
      ['server.trustProxy[0]', 'server.trustProxy[1]', 'server.trustProxy[2]'],
    );
  });

  it('works from a nested directory', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'etc'));
    writeFileSync(join(dir, 'etc', 'cs.yaml'), 'policy: { file: policy.yaml }\n');
    const c = loadConfig({ file: 'etc/cs.yaml', cwd: dir, env: {} });
    assert.equal(c.policy.file, join(dir, 'etc', 'policy.yaml'));
  });
});
