/**
 * A NUL character (U+0000) in a body, a query string or a path parameter is
 * `400 validation_failed` naming the field, on SQLite and PostgreSQL alike (PostgreSQL text and
 * jsonb cannot hold it, so without the edge check it surfaced as a 500 there).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { parseConfigText } from '../../src/config/index.js';
import { startServer, type Server } from '../../src/main.js';
import { TEST_POLICY, deployAction } from '../helpers/harness.js';
import { createTestDatabase, type TestDatabase } from '../helpers/replicas.js';

const pgUrl = process.env.COUNTERSIGN_TEST_PG_URL;

interface Problem {
  code: string;
  errors?: { path: string; message: string }[];
}

function nulSuite(kind: 'sqlite' | 'postgres') {
  describe(`NUL characters are 400 validation_failed (${kind})`, () => {
    let dir: string;
    let server: Server;
    let db: TestDatabase | undefined;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'countersign-nul-'));
      writeFileSync(join(dir, 'policy.yaml'), TEST_POLICY);
      let url = 'sqlite:./cs.db';
      if (kind === 'postgres') {
        db = await createTestDatabase(pgUrl as string);
        url = db.url;
      }
      const config = parseConfigText(
        `server: { listen: "127.0.0.1:0", devMode: true }\nstore: { url: "${url}" }\n` +
          'signing: { keysDir: ./keys }\npolicy: { file: ./policy.yaml }\n',
        join(dir, 'countersign.yaml'),
      );
      server = await startServer(config, {
        logStream: new Writable({ write: (_c, _e, cb) => cb() }),
      });
    });
    after(async () => {
      await server?.close();
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Problem };
    };
    const expectNul = (r: { status: number; body: Problem }, path: string) => {
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.code, 'validation_failed');
      assert.deepEqual(
        r.body.errors?.map((e) => e.path),
        [path],
      );
      assert.match(r.body.errors?.[0]?.message ?? '', /NUL/);
    };

    test('in a body value, nested or not', async () => {
      const spec = { image: 'shop:1', note: 'a\u0000b' };
      expectNul(
        await call('POST', '/v1/approvals', { action: { ...deployAction(), spec } }),
        '/action/spec/note',
      );
      expectNul(
        await call('POST', '/v1/decisions', { action: { ...deployAction(), reason: '\u0000' } }),
        '/action/reason',
      );
    });

    test('in a body field name', async () => {
      const spec = { 'im\u0000age': 'shop:1' };
      const r = await call('POST', '/v1/approvals', { action: { ...deployAction(), spec } });
      expectNul(r, '/action/spec/im\u0000age');
    });

    test('in a free-text field that is stored as text (a reason)', async () => {
      expectNul(
        await call('POST', '/v1/approvals/apr_none/cancel', { reason: 'done\u0000' }),
        '/reason',
      );
    });

    test('in a query filter', async () => {
      expectNul(await call('GET', '/v1/approvals?project=sh%00op'), 'querystring:/project');
      expectNul(await call('GET', '/v1/audit?actor=x%00'), 'querystring:/actor');
    });

    test('nothing was stored', async () => {
      const r = await fetch(`${server.url}/v1/approvals`);
      assert.equal(r.status, 200);
      assert.deepEqual(((await r.json()) as { items: unknown[] }).items, []);
    });
  });
}

nulSuite('sqlite');
if (pgUrl) nulSuite('postgres');
else test('NUL characters on PostgreSQL', { skip: 'COUNTERSIGN_TEST_PG_URL is not set' }, () => {});
