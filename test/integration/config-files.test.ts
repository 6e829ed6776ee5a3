/**
 * A configuration whose files cannot be used refuses to start with every problem listed with its
 * configuration path (an unreadable jwksFile used to surface alone, as `internal`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfigText } from '../../src/config/index.js';
import { InputError } from '../../src/errors/index.js';
import { startServer } from '../../src/main.js';

test('every unreadable or malformed file a configuration names is listed with its path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-config-files-'));
  try {
    writeFileSync(join(dir, 'not-a-jwks.json'), '{"keys": "no"}');
    const config = parseConfigText(
      `
server: { listen: "127.0.0.1:0" }
store: { url: "sqlite:./cs.db" }
signing: { keysDir: ./keys }
policy:
  file: ./missing-policy.yaml
  repositoryRouting: { acme/api: ./missing-routing.yaml }
identity:
  oidc:
    - issuer: https://one.example
      audience: countersign
      jwksFile: ./missing-jwks.json
    - issuer: https://two.example
      audience: countersign
      jwksFile: ./not-a-jwks.json
`,
      join(dir, 'countersign.yaml'),
    );
    await assert.rejects(startServer(config, { logLevel: 'silent' }), (err: unknown) => {
      assert.ok(err instanceof InputError, String(err));
      assert.equal(err.code, 'validation_failed');
      assert.deepEqual(
        err.errors.map((e) => e.path),
        [
          'policy.file',
          'policy.repositoryRouting.acme/api',
          'identity.oidc[0].jwksFile',
          'identity.oidc[1].jwksFile',
        ],
      );
      assert.match(err.errors[3]?.message ?? '', /is not a JWKS/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
