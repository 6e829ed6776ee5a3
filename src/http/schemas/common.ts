/** Shared, bounded JSON Schemas (TypeBox). Every string has a maximum length. */
import { Type, type TSchema } from '@sinclair/typebox';

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
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
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

const ProblemRef = Type.Ref('Problem');
export const problemResponses = {
  400: ProblemRef,
  401: ProblemRef,
  403: ProblemRef,
  404: ProblemRef,
  409: ProblemRef,
  413: ProblemRef,
  503: ProblemRef,
};

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
