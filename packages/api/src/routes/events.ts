/** `GET /events`: the broker's inventory and operation changes as server-sent events. */
import { Type } from '@sinclair/typebox';
import type { BrokerEvent } from '@skyport/model';
import { ProviderSchema } from '../schemas/entities.js';
import { errorResponses } from '../schemas/error.js';
import { AllowedListParam, checkAllowed, splitList } from '../list-query.js';
import { openSseStream, type SseStream } from '../sse-stream.js';
import type { RoutePlugin } from './plugin.js';

/** Every event type; `satisfies` and the check below keep it equal to the model's union. */
export const BROKER_EVENT_TYPES = [
  'resource.created',
  'resource.updated',
  'resource.deleted',
  'operation.updated',
  'provider.updated',
  'provider.deleted',
  'migration.updated',
] as const satisfies readonly BrokerEvent['type'][];
type MissingEventType = Exclude<BrokerEvent['type'], (typeof BROKER_EVENT_TYPES)[number]>;
const allEventTypesListed: MissingEventType extends never ? true : false = true;
void allEventTypesListed;

const KEEPALIVE_MS = 15_000;
const MAX_BUFFERED_BYTES = 1024 * 1024;
const PROVIDER_FIELDS = Object.keys(ProviderSchema.properties);

const EventsQuery = Type.Object(
  {
    types: AllowedListParam('Only these event types', BROKER_EVENT_TYPES),
    provider: Type.Optional(Type.String({ minLength: 1, description: 'Only events of this provider (id or name).' })),
  },
  { additionalProperties: false },
);

const EVENT_STREAM_DESCRIPTION =
  'A `text/event-stream`. Each event has `event:` = its type, `id:` = a number increasing along the stream, ' +
  '`data:` = the event as JSON (`{ type, ... }`: `resource.*` carry `kind`, `providerId`, `id` and, unless deleted, `resource`; ' +
  '`operation.updated` carries `operation`; `provider.updated` carries `provider`; `provider.deleted` carries `providerId`; ' +
  '`migration.updated` carries `planId`, `providerId` (the plan\'s source) and `vm`, a migration VM with its status, step and progress). ' +
  'A `: keepalive` comment is sent every 15 s.';

export const eventRoutes: RoutePlugin = async (app, { broker, shutdown }) => {
  const open = new Set<SseStream>();
  // Fastify's close waits for open connections; streams never end on their own, so end them.
  shutdown.addEventListener('abort', () => {
    for (const stream of open) stream.close();
  });

  app.get(
    '/events',
    {
      schema: {
        operationId: 'streamEvents',
        tags: ['events'],
        summary: 'Stream inventory and operation changes',
        description: EVENT_STREAM_DESCRIPTION,
        querystring: EventsQuery,
        response: {
          200: {
            description: EVENT_STREAM_DESCRIPTION,
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const types = checkAllowed('types', splitList(request.query.types), BROKER_EVENT_TYPES);
      // Resolved before the stream opens, so an unknown provider is a plain 404.
      const providerId = request.query.provider === undefined ? undefined : (await broker.providers.get(request.query.provider)).id;
      const wanted = (event: BrokerEvent) =>
        (types === undefined || types.includes(event.type)) && (providerId === undefined || providerOf(event) === providerId);

      // Hijacked: Fastify's reply sends one payload through the serializer and onSend hooks,
      // while this response stays open and is written to as events arrive. Taking the raw
      // response over also means writing our own headers (x-request-id) and ending it on
      // disconnect and on server close, which openSseStream does.
      reply.hijack();
      let unsubscribe = () => {};
      const stream = openSseStream(reply.raw, {
        headers: { 'x-request-id': request.id },
        keepaliveMs: KEEPALIVE_MS,
        maxBufferedBytes: MAX_BUFFERED_BYTES,
        onClose: () => {
          unsubscribe();
          open.delete(stream);
        },
      });
      if (shutdown.aborted) {
        stream.close();
        return;
      }
      open.add(stream);
      unsubscribe = broker.events.subscribe((event) => {
        if (wanted(event)) stream.send(event.type, redact(event));
      });
    },
  );
};

function providerOf(event: BrokerEvent): string | undefined {
  switch (event.type) {
    case 'operation.updated':
      return event.operation.providerId;
    case 'provider.updated':
      return event.provider.id;
    default:
      return event.providerId;
  }
}

/**
 * Regular responses go through a schema serializer that writes declared fields only; this
 * stream does not, so a provider is cut down to its declared fields here, keeping
 * credentials out even if a record with them reached the bus.
 */
function redact(event: BrokerEvent): BrokerEvent {
  if (event.type !== 'provider.updated') return event;
  const source = event.provider as unknown as Record<string, unknown>;
  const provider = Object.fromEntries(PROVIDER_FIELDS.filter((f) => source[f] !== undefined).map((f) => [f, source[f]]));
  return { ...event, provider: provider as unknown as typeof event.provider };
}
