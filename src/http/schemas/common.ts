/** Shared, bounded JSON Schemas (TypeBox). Every string has a maximum length. */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const Str = (max: number, opts: Record<string, unknown> = {}) =>
  Type.String({ maxLength: max, ...opts });
export const Id = Str(64, { pattern: '^[A-Za-z0-9_:.-]+$' });
// names and identifiers never carry control characters (log lines, PostgreSQL text)
export const Name = Str(128, { minLength: 1, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
export const Sha256Ref = Str(71, { pattern: '^sha256:[0-9a-f]{64}$' });
export const Duration = Type.Union([
  Str(16, { pattern: '^[0-9]{1,9}(ms|s|m|h|d)$' }),
  Type.Integer({ minimum: 0, maximum: 31_536_000 }),
]);
/**
 * `t` or null. A schema with one `type` says it as `type: [type, "null"]` (JSON Schema 2020-12,
 * OpenAPI 3.1), not `anyOf: [t, null]`: the same values are valid, and the response serializer
 * picks the branch with a `typeof` instead of running a validator on the value of every response.
 */
export const Nullable = <T extends TSchema>(t: T) => {
  const { type, ...rest } = t as { type?: unknown };
  if (typeof type !== 'string' || type === 'null' || 'anyOf' in rest || '$ref' in rest)
    return Type.Union([t, Type.Null()]);
  // plain JSON: TypeBox's own marks (symbols) describe `t`, not the union
  return Type.Unsafe<Static<T> | null>({
    ...(JSON.parse(JSON.stringify(rest)) as object),
    type: [type, 'null'],
  });
};

/**
 * One of a set of strings, as `enum`: validated as the union of literals it is, and serialized as a
 * string (a union of literals would run a validator per literal on every response).
 */
export const Literals = <const T extends readonly string[]>(values: T, opts: object = {}) =>
  Type.Unsafe<T[number]>({ ...opts, type: 'string', enum: [...values] });
export const FreeObject = Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), {
  maxProperties: 64,
});
export const Strings = (maxItems = 64) => Type.Array(Name, { maxItems });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    instance: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    details: Type.Optional(FreeObject),
  },
  { $id: 'Problem' },
);

/** An error answer: sent as `application/problem+json`, which is what the document says too. */
const problemAnswer = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
});
export const problemResponses = {
  400: problemAnswer('Invalid input (`validation_failed` and other input codes)'),
  401: problemAnswer('Not authenticated'),
  403: problemAnswer('Authenticated but not allowed (scope, policy, gate refusal)'),
  404: problemAnswer('No such resource'),
  409: problemAnswer('Conflicts with the current state'),
  413: problemAnswer('Body too large'),
  503: problemAnswer('Unavailable (store or audit log): try again'),
};

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
