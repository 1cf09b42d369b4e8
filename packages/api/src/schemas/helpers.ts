/**
 * Small TypeBox builders the entity and route schemas share. They exist because TypeBox's
 * defaults do not fit two needs of this API: enums must validate with one readable message,
 * and arrays in the model are `readonly`, which the type provider must accept as replies.
 */
import { Type, type Static, type TSchema, type TUnsafe, type SchemaOptions } from '@sinclair/typebox';

/**
 * A string from a fixed list, as one JSON Schema `enum`. `Type.Union` of literals would
 * validate the same but report "must be equal to constant" once per member, which names
 * neither the field's allowed values nor the one that was wrong.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/**
 * An array typed `readonly T[]`, so handlers can return the model's readonly arrays without
 * copying them; the JSON Schema is a plain array.
 */
export function ReadonlyArray<T extends TSchema>(items: T, options: SchemaOptions = {}): TUnsafe<readonly Static<T>[]> {
  return Type.Unsafe<readonly Static<T>[]>(Type.Array(items, options));
}

/** `Tags` as the model has it: string keys, string values. */
export const TagsSchema = Type.Record(Type.String(), Type.String(), {
  description: 'Key/value tags.',
  examples: [{ env: 'prod', team: 'web' }],
});

/** A free-form JSON object (settings, operation results, error details). */
export const JsonObject = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

/** `:id` path parameter shared by every resource route. */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, description: 'The resource id.' }) });

/** `:id` for providers, which also accept their unique name. */
export const ProviderIdParams = Type.Object({ id: Type.String({ minLength: 1, description: 'The provider id or name.' }) });
