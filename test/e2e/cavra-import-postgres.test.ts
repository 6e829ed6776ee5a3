import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/replicas.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/cavra/project', import.meta.url));
const baseUrl = process.env.COUNTERSIGN_TEST_PG_URL;

/** The same import into a PostgreSQL store (a server's store: `--config` with `--db URL`). */
describe(
  'import cavra into PostgreSQL',
  { skip: baseUrl ? false : 'COUNTERSIGN_TEST_PG_URL is not set' },
  () => {
    let dir: string;
    let db: TestDatabase;
    const cli = (args: string[]) =>
      runCli([...args, '--config', '.countersign/countersign.yaml', '--db', db.url], {
        cwd: dir,
        timeoutMs: 60_000,
      });

    before(async () => {
      db = await createTestDatabase(baseUrl as string);
      dir = mkdtempSync(join(tmpdir(), 'countersign-cavra-pg-'));
      cpSync(FIXTURE, join(dir, 'project'), { recursive: true });
      assert.equal((await runCli(['init'], { cwd: dir })).code, 0);
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await db?.drop();
    });

    test('imports each valid record once, rejects the malformed one, and the log verifies', async () => {
      const first = await cli([
        'import',
        'cavra',
        '--store',
        'project/.cavra/approvals.json',
        '--json',
      ]);
      assert.equal(first.code, 2, first.stderr);
      const results = (JSON.parse(first.stdout).stores[0].outcomes as { result: string }[]).map(
        (o) => o.result,
      );
      assert.deepEqual(results, [
        'imported',
        'imported',
        'imported',
        'imported',
        'imported',
        'imported',
        'rejected',
      ]);
      const second = await cli([
        'import',
        'cavra',
        '--store',
        'project/.cavra/approvals.json',
        '--json',
      ]);
      const again = (JSON.parse(second.stdout).stores[0].outcomes as { result: string }[]).map(
        (o) => o.result,
      );
      assert.deepEqual(again.filter((r) => r === 'already_imported').length, 6);
      const list = JSON.parse((await cli(['approval', 'list', '--json'])).stdout);
      assert.equal(list.items.length, 6);
      const show = JSON.parse(
        (await cli(['approval', 'show', 'apr_cavra_ae5b7f2a3c66', '--json'])).stdout,
      );
      assert.equal(show.breakGlass.externalRef, 'INC-777');
      const verify = await cli(['audit', 'verify']);
      assert.equal(verify.code, 0, verify.stderr);
    });
  },
);
