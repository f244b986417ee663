import { Type, type TSchema, type TProperties } from 'typebox';
import { ERROR_CODES } from '../../errors.js';

/** Shared TypeBox building blocks so every route speaks the same conventions. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.Enum(Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]),
      message: Type.String(),
      request_id: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'Error', description: 'Every error has this shape.' },
);

export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/** An opaque prefixed id such as `ws_01j…`. */
export const Id = (prefix: string) =>
  Type.String({ pattern: `^${prefix}_[0-9a-z]{26}$`, maxLength: 40, description: `A \`${prefix}_…\` id.` });

export const Strict = <T extends TProperties>(properties: T, options: { description?: string } = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

export const PaginationQuery = {
  limit: Type.Optional(Type.Integer({ default: 50, description: 'Clamped to 1–500.' })),
  offset: Type.Optional(Type.Integer({ default: 0, minimum: 0, description: 'Clamped to 0–1,000,000.' })),
};

export const PaginationMeta = Type.Object({
  limit: Type.Integer(),
  offset: Type.Integer(),
  total: Type.Integer(),
});

export const ListOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), pagination: PaginationMeta });

export const Email = Type.String({ format: 'email', maxLength: 254, minLength: 3 });
export const Password = Type.String({ minLength: 8, maxLength: 256, description: 'At least 8 characters.' });
export const Name = Type.String({ minLength: 1, maxLength: 200 });

/** The error responses most routes can give, for the OpenAPI document. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { $ref: 'Error#' }])) as Record<number, TSchema>;
