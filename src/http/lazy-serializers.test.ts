import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { buildLazySerializer } from './lazy-serializers.js';

const route = {
  schema: {
    type: 'object',
    properties: { id: { type: 'string' }, n: { type: 'integer' } },
    required: ['id'],
  },
  method: 'GET',
  url: '/x',
  httpStatus: '200',
};

test('a lazy serializer compiles when it first answers, and answers as the default one', () => {
  const compiler = buildLazySerializer({}, {});
  // a schema that cannot be compiled: no error until the first answer needs it
  const broken = compiler({
    ...route,
    schema: { type: 'object', properties: { a: { $ref: '#/nowhere' } } },
  });
  assert.throws(() => broken({ a: 1 }), /nowhere/);
  const lazy = compiler(route);
  const eager = SerializerSelector()({}, {})(route);
  for (const data of [{ id: 'a', n: 1, extra: true }, { id: 'b"\\', n: 2 }, { id: 'c' }]) {
    assert.equal(lazy(data), eager(data));
  }
  assert.equal(lazy({ id: 'c', extra: 1 }), '{"id":"c"}');
});
