/**
 * Response serializers and request validators compiled when a route is first used, not when the
 * app is built. Building every route's serializer (fast-json-stringify generates and compiles code
 * per route and status) and validator (Ajv, per route and part) up front was most of a local-mode
 * CLI command's start, which builds the whole app to call one or two routes. The compilers are
 * Fastify's own defaults (fast-json-stringify, and Ajv through @fastify/ajv-compiler), with the
 * same shared schemas and options, so every request is checked and every answer serialized
 * exactly as before. Routes declare no `headers` schema (Fastify would otherwise lower-case its
 * names itself, which it leaves to a custom validator compiler).
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
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

type ValidatorFactory = NonNullable<
  NonNullable<
    NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
  >['buildValidator']
>;

const buildDefaultValidator = AjvCompiler() as unknown as ValidatorFactory;

type Validate = ((data: unknown) => unknown) & { errors?: unknown };

export const buildLazyValidator: ValidatorFactory = (externalSchemas, options) => {
  const compile = buildDefaultValidator(externalSchemas, options);
  return (route) => {
    let validate: Validate | undefined;
    // Fastify reads `errors` off the function it was given, after each call
    const lazy: Validate = (data: unknown) => {
      validate ??= compile(route) as Validate;
      const result = validate(data);
      lazy.errors = validate.errors;
      return result;
    };
    return lazy as ReturnType<ReturnType<ValidatorFactory>>;
  };
};
