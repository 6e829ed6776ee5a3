import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createAuthenticator } from '../../src/identity/authenticate.js';
import { createHarness, type Harness } from '../helpers/harness.js';

/** The OpenAPI document is what generated clients are built from: every operation is named. */
let h: Harness;
let app: FastifyInstance;
before(async () => {
  h = await createHarness();
  app = await buildApp({
    services: h.services,
    authenticator: createAuthenticator({
      store: h.store,
      oidc: null,
      devMode: false,
      nowIso: () => new Date(h.clock.now()).toISOString(),
    }),
    store: h.store,
    devMode: false,
    bodyLimit: 64 * 1024,
    logger: false,
    version: 'test',
    publicUrl: 'https://countersign.example.test',
    auditOrigin: 'countersign.test/audit',
    jwks: () => h.keyRing.publicJwks(),
    notifications: { bus: h.bus, clock: h.clock },
  });
});
after(async () => {
  await app.close();
  await h.close();
});

type Operation = { operationId?: string; summary?: string };

test('every operation has a unique operationId and a summary, and the document names its server', async () => {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    servers?: { url: string }[];
    paths: Record<string, Record<string, Operation>>;
  };
  assert.deepEqual(
    doc.servers?.map((s) => s.url),
    ['https://countersign.example.test'],
  );
  const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({ at: `${method} ${path}`, ...op })),
  );
  // the notification routes are there too (long-poll, streams, deliver)
  for (const at of [
    'get /v1/approvals/{id}/wait',
    'get /v1/approvals/{id}/events',
    'post /v1/approvals/{id}/deliver',
  ]) {
    assert.ok(
      ops.some((o) => o.at === at),
      at,
    );
  }
  assert.deepEqual(
    ops.filter((o) => !o.operationId || !o.summary).map((o) => o.at),
    [],
    'operations without operationId or summary',
  );
  const ids = ops.map((o) => o.operationId);
  assert.deepEqual(
    ids.filter((id, i) => ids.indexOf(id) !== i),
    [],
    'duplicate operationIds',
  );
});
