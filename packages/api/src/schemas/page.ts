/** Lists: every collection answers `{ items, nextCursor? }`. */
import { Type, type TSchema } from '@sinclair/typebox';

/** A page of `item`; `nextCursor` is present when more items follow. */
export function PageSchema<T extends TSchema>(item: T, description: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Optional(Type.String({ description: 'Pass as `cursor` to get the next page; absent on the last page.' })),
    },
    { description },
  );
}

/** A complete, unpaged collection (drivers, providers, the catalogues). */
export function ItemsSchema<T extends TSchema>(item: T, description: string) {
  return Type.Object({ items: Type.Array(item) }, { description });
}
