import assert from 'node:assert/strict';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import helmet from 'helmet';
import { securityHeaderList } from './hardening.js';

/** The headers a real response carries with `apply` run on it, over real HTTP. */
async function served(
  apply: (res: ServerResponse, req: IncomingMessage) => void,
): Promise<IncomingHttpHeaders> {
  const server = createServer((req, res) => {
    res.setHeader('x-powered-by', 'something');
    apply(res, req);
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`);
    return Object.fromEntries(
      [...res.headers].filter(([k]) => k !== 'date' && k !== 'connection' && k !== 'keep-alive'),
    );
  } finally {
    await new Promise((r) => server.close(r));
  }
}

test('headers worked out once are the headers helmet sets on a live response', async () => {
  const middleware = helmet({
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], upgradeInsecureRequests: null },
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const list = securityHeaderList(middleware);
  assert.ok(list.set.length > 5);
  const byHelmet = await served((res, req) => middleware(req, res, () => undefined));
  const byList = await served((res) => {
    for (const [name, value] of list.set) res.setHeader(name, value);
    for (const name of list.removed) res.removeHeader(name);
  });
  assert.deepEqual(byList, byHelmet);
  assert.equal(byList['x-powered-by'], undefined);
  assert.match(String(byList['content-security-policy']), /default-src 'self'/);
});

test('a middleware that fails is an error at start, not a missing header later', () => {
  assert.throws(
    () => securityHeaderList((_req, _res, next) => next(new Error('bad option'))),
    /bad option/,
  );
});
