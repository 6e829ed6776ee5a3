import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, type Harness } from '../helpers/harness.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('pagination cursors over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h.close();
  });

  const get = (url: string) => h.app.inject({ method: 'GET', url, headers: h.auth('admin') });
  const expect400 = (res: Awaited<ReturnType<typeof get>>) => {
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().code, 'validation_failed');
    assert.deepEqual(
      (res.json().errors as { path: string }[]).map((e) => e.path),
      ['querystring:/cursor'],
    );
  };

  test('a bad approvals cursor is 400, not the first page', async () => {
    expect400(await get(`/v1/approvals?cursor=${b64([1, 2])}`));
    expect400(await get(`/v1/approvals?cursor=${b64(['only-one'])}`));
  });

  test('a bad audit cursor is 400, not the first page', async () => {
    expect400(await get(`/v1/audit?cursor=${b64(['7'])}`));
    expect400(await get(`/v1/audit?cursor=${b64([-3])}`));
  });

  test('a cursor the server issued still pages', async () => {
    const first = await get('/v1/audit?limit=1');
    assert.equal(first.statusCode, 200, first.body);
    const next = first.json().nextCursor as string;
    assert.ok(next);
    assert.equal((await get(`/v1/audit?limit=1&cursor=${next}`)).statusCode, 200);
  });
});
