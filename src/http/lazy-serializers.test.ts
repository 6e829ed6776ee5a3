import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { buildLazySerializer, buildLazyValidator } from './lazy-serializers.js';

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

test('a lazy validator compiles when it is first called, and judges as the default one', async () => {
  const options = { customOptions: { allErrors: true, coerceTypes: false } };
  const compiler = buildLazyValidator({}, options);
  const body = { ...route, httpPart: 'body', method: 'POST' };
  // a schema that cannot be compiled: no error until the first request needs it
  const broken = compiler({
    ...body,
    schema: { type: 'object', properties: { a: { $ref: '#/nowhere' } } },
  });
  assert.throws(() => broken({ a: 1 }), /nowhere/);
  const lazy = compiler(body) as unknown as ((d: unknown) => boolean) & { errors?: unknown };
  const eager = AjvCompiler()({}, options)(body) as unknown as ((d: unknown) => boolean) & {
    errors?: unknown;
  };
  for (const data of [{ id: 'a', n: 1 }, { n: 'x' }, { id: 1 }, null]) {
    assert.equal(lazy(data), eager(data), JSON.stringify(data));
    // Fastify reads the errors off the function it was given
    assert.deepEqual(lazy.errors, eager.errors, JSON.stringify(data));
  }
  assert.equal(lazy({ n: 'x' }), false);
  assert.ok(Array.isArray(lazy.errors) && lazy.errors.length === 2, JSON.stringify(lazy.errors));
});
