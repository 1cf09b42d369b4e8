/**
 * `GET /<kind>` and `GET /<kind>/{id}` for an inventory kind: the shape every kind shares,
 * written once so the lists all take the same parameters and answer the same way.
 */
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ListQuery, Page } from '@skyport/core';
import { errorResponses } from '../schemas/error.js';
import { IdParams } from '../schemas/helpers.js';
import { PageSchema } from '../schemas/page.js';
import { ListQuerystring, fieldSelector, pageReply, toListQuery, type ListQuerystringValues } from '../list-query.js';
import type { FastifyInstanceTypebox } from './plugin.js';

export interface InventoryKind<T extends TObject> {
  /** URL segment, e.g. `hardware-profiles`; also the OpenAPI tag. */
  readonly path: string;
  /** The entity in words, singular and plural, for summaries and messages. */
  readonly noun: string;
  readonly plural: string;
  /** OpenAPI operation ids of the list and the get. */
  readonly operationIds: readonly [list: string, get: string];
  readonly entity: T;
  readonly list: (query: ListQuery) => Promise<Page<Static<T>>>;
  readonly get: (id: string) => Promise<Static<T>>;
  /** Extra query parameters of the list, and how they add to the broker query. */
  readonly extraQuery?: {
    readonly properties: TProperties;
    readonly states: (query: Record<string, unknown>) => readonly string[] | undefined;
  };
}

export function inventoryRoutes<T extends TObject>(app: FastifyInstanceTypebox, kind: InventoryKind<T>): void {
  const querystring = ListQuerystring(kind.extraQuery?.properties ?? {});
  app.get(
    `/${kind.path}`,
    {
      schema: {
        operationId: kind.operationIds[0],
        tags: [kind.path],
        summary: `List ${kind.plural}`,
        description: `${kind.plural[0]!.toUpperCase()}${kind.plural.slice(1)} of every provider from the inventory cache, filtered and paged.`,
        querystring,
        response: { 200: PageSchema(Type.Ref(kind.entity), `A page of ${kind.plural}.`), ...errorResponses },
      },
    },
    async (request, reply) => {
      // The querystring schema is built per kind, so its static type is only known here.
      const query = request.query as ListQuerystringValues & Record<string, unknown>;
      const select = fieldSelector(kind.entity, kind.noun, query.fields);
      const states = kind.extraQuery?.states(query);
      const page = await kind.list(toListQuery(query, states, kind.extraQuery !== undefined));
      return pageReply(reply, page, select);
    },
  );

  // Static<T> of a generic T does not unify with the reply type TypeBox derives from
  // Type.Ref(T), so this route is declared without the type provider; each kind's `get`
  // is checked against its schema where the kind is declared.
  (app as unknown as FastifyInstance).get<{ Params: { id: string } }>(
    `/${kind.path}/:id`,
    {
      schema: {
        operationId: kind.operationIds[1],
        tags: [kind.path],
        summary: `Get a ${kind.noun}`,
        params: IdParams,
        response: { 200: Type.Ref(kind.entity), ...errorResponses },
      },
    },
    async (request) => kind.get(request.params.id),
  );
}
