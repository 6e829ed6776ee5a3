/**
 * Response serializers compiled when a route first answers, not when the app is built. Building
 * every route's serializer up front (fast-json-stringify generates and compiles code per route
 * and status) was about a quarter of a local-mode CLI command, which builds the whole app to call
 * one or two routes. The compiler is Fastify's own default (fast-json-stringify), with the
 * same shared schemas and options, so every answer is serialized exactly as before.
 */
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type SerializerFactory = NonNullable<
  NonNullable<
    NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
  >['buildSerializer']
>;

const buildDefault = SerializerSelector();

export const buildLazySerializer: SerializerFactory = (externalSchemas, options) => {
  const compile = buildDefault(externalSchemas, options);
  return (route) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data: unknown) => {
      serialize ??= compile(route);
      return serialize(data);
    };
  };
};
