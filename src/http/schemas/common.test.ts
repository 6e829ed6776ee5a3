import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type, type TSchema } from '@sinclair/typebox';
import Fastify from 'fastify';
import { Literals, Nullable } from './common.js';

/** Whether Fastify's validator (Ajv, as the app runs it) accepts `value` under `schema`. */
async function accepts(schema: TSchema, values: unknown[]): Promise<boolean[]> {
  const app = Fastify();
  app.post('/', { schema: { body: Type.Object({ v: schema }) } }, async () => ({}));
  const out: boolean[] = [];
  for (const v of values) {
    const res = await app.inject({ method: 'POST', url: '/', payload: { v } });
    out.push(res.statusCode === 200);
  }
  await app.close();
  return out;
}

test('Nullable accepts what the union of t and null accepts, and keeps t’s constraints', async () => {
  const cases: [TSchema, unknown[]][] = [
    [Type.String({ maxLength: 3 }), ['abc', null, 'abcd', 1, {}]],
    [Type.Integer({ minimum: 0 }), [0, 7, null, -1, 1.5, 'x']],
    [
      Type.Object({ a: Type.String() }, { additionalProperties: false }),
      [{ a: 'x' }, null, { a: 1 }, {}, 'x'],
    ],
  ];
  for (const [t, values] of cases) {
    const nullable = await accepts(Nullable(t), values);
    assert.deepEqual(nullable, await accepts(Type.Union([t, Type.Null()]), values));
    assert.ok(nullable.includes(true) && nullable.includes(false), JSON.stringify(nullable));
  }
  // a schema without one type stays a union
  assert.ok('anyOf' in Nullable(Type.Union([Type.String(), Type.Integer()])));
});

test('Literals validates exactly its strings', async () => {
  assert.deepEqual(await accepts(Literals(['any', 'each']), ['any', 'each', 'all', '', 1, null]), [
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
});

test('Nullable and Literals serialize without a validator, to the same JSON', async () => {
  const schema = Type.Object({
    s: Nullable(Type.String()),
    o: Nullable(Type.Object({ n: Type.Integer() })),
    state: Literals(['pending', 'approved']),
  });
  // no anyOf / const left: fast-json-stringify would run Ajv on each value to pick a branch
  assert.doesNotMatch(JSON.stringify(schema), /anyOf|const/);
  const values = [
    { s: null, o: null, state: 'pending' },
    { s: 'x"y', o: { n: 2 }, state: 'approved' },
  ];
  const app = Fastify();
  app.get('/:i', { schema: { response: { 200: schema } } }, async (req) => {
    return values[Number((req.params as { i: string }).i)];
  });
  for (const [i, value] of values.entries()) {
    const res = await app.inject({ method: 'GET', url: `/${i}` });
    assert.deepEqual(res.json(), value);
  }
  await app.close();
});
