import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fetchJwks, KeySetUnavailableError } from './fetch-jwks.js';
import { computeSpecHash } from './spec-hash.js';

const URL_ = 'https://countersign.example/.well-known/jwks.json';
const JWKS = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'x', kid: 'k' }] };

function stub(body: string, status = 200): typeof fetch {
  return (async () => new Response(body, { status })) as typeof fetch;
}

describe('fetchJwks', () => {
  it('returns the key set', async () => {
    let seen: RequestInit | undefined;
    const doFetch = (async (_: unknown, init?: RequestInit) => {
      seen = init;
      return new Response(JSON.stringify(JWKS));
    }) as typeof fetch;
    assert.deepEqual(await fetchJwks(URL_, { fetch: doFetch }), JWKS);
    assert.ok(seen?.signal instanceof AbortSignal, 'a timeout signal is always set');
    assert.equal(seen?.redirect, 'error');
  });

  for (const [name, doFetch, message] of [
    ['a non-2xx answer', stub('{}', 503), 'the key set could not be fetched'],
    ['a body that is not JSON', stub('<html>'), 'the key set response is not JSON'],
    ['JSON without keys', stub('{"kid":"x"}'), 'the key set response is not a JWKS'],
    [
      'a body that is too large',
      stub(' '.repeat(1024 * 1024 + 1)),
      'the key set response is too large',
    ],
  ] as const) {
    it(`fails closed with keyset_unavailable on ${name}`, async () => {
      await assert.rejects(fetchJwks(URL_, { fetch: doFetch }), (err: unknown) => {
        assert.ok(err instanceof KeySetUnavailableError);
        assert.equal(err.code, 'keyset_unavailable');
        assert.equal(err.message, message);
        return true;
      });
    });
  }

  it('times out', async () => {
    const hang = ((_: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        // AbortSignal.timeout does not keep the event loop alive; this ref'd timer does.
        const keepAlive = setTimeout(() => reject(new Error('the timeout never fired')), 2000);
        init?.signal?.addEventListener('abort', () => {
          clearTimeout(keepAlive);
          reject(init.signal?.reason);
        });
      })) as typeof fetch;
    await assert.rejects(fetchJwks(URL_, { fetch: hang, timeoutMs: 20 }), {
      name: 'KeySetUnavailableError',
      message: 'the key set could not be fetched',
    });
  });

  it('refuses a URL that is not http(s)', async () => {
    await assert.rejects(fetchJwks('file:///etc/jwks.json'), TypeError);
  });
});

describe('computeSpecHash', () => {
  it('is sha256 of the JCS form, independent of key order and whitespace', () => {
    assert.equal(
      computeSpecHash({}),
      'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    );
    assert.equal(
      computeSpecHash(JSON.parse('{ "b": [1, {"d": 2, "c": 3}], "a": "x" }')),
      computeSpecHash({ a: 'x', b: [1, { c: 3, d: 2 }] }),
    );
    assert.notEqual(computeSpecHash({ a: [1, 2] }), computeSpecHash({ a: [2, 1] }));
  });

  it('throws a TypeError for values JSON cannot carry', () => {
    assert.throws(() => computeSpecHash(undefined), TypeError);
    assert.throws(() => computeSpecHash({ n: Number.NaN }), TypeError);
  });
});
