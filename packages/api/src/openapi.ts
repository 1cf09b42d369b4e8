/**
 * The OpenAPI 3.1 document's frame: info, the bearer scheme, tags, and the one adjustment
 * @fastify/swagger cannot express from route schemas (optional request bodies).
 */
import type { SwaggerOptions } from '@fastify/swagger';
import { ERROR_CODES, type ErrorCode } from '@skyport/model';
import { STATUS_BY_CODE } from './error-handler.js';
import type { BinaryMedia } from './create-api.js';

const TAGS = [
  { name: 'system', description: 'Health and this document.' },
  { name: 'catalogue', description: 'The instance state machine, the capability catalogue and the drivers.' },
  { name: 'providers', description: 'Configured cloud accounts. Credentials are write-only.' },
  { name: 'locations', description: 'Regions and zones.' },
  { name: 'hardware-profiles', description: 'CPU, memory and disk choices, fixed, ranged or listed.' },
  { name: 'images', description: 'Images to create instances from.' },
  { name: 'instances', description: 'Virtual machines in any provider.' },
  { name: 'key-pairs', description: 'SSH key pairs.' },
  { name: 'volumes', description: 'Block volumes.' },
  { name: 'snapshots', description: 'Volume snapshots.' },
  { name: 'security-groups', description: 'Firewall rules of a provider, attached to instances.' },
  { name: 'tags', description: 'Key/value tags on any taggable resource.' },
  { name: 'operations', description: 'Long actions; every 202 answer is one.' },
  { name: 'events', description: 'Server-sent events of inventory and operation changes.' },
  { name: 'migrations', description: 'Migration plans: move instances between providers VM by VM, with preflight, progress, cancel, retry, rollback and finalize.' },
  { name: 'tenancy', description: 'Tenants, users, API tokens, EC2 access keys and login.' },
  { name: 'audit', description: 'The append-only, hash-chained audit log.' },
  { name: 'appliances', description: 'OVF/OVA: import an OVA as an image, export images and stopped instances as OVAs, download exports.' },
];

function description(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[])
    .map((code) => `| ${code} | ${STATUS_BY_CODE[code]} | ${ERROR_CODES[code].retryable ? 'yes' : 'no'} | ${ERROR_CODES[code].description} |`)
    .join('\n');
  return [
    'One API over many clouds. Every request but `GET /api/v1/health` and this document needs `Authorization: Bearer <token>`;',
    'the broker prints an admin token when it starts and writes it to `<data dir>/admin-token`. Role `viewer` may only read.',
    '',
    'Lists answer `{ items, nextCursor? }`; pass `nextCursor` back as `cursor` for the next page.',
    'Long actions answer `202` with an operation and its URL in `Location`.',
    '',
    'Every error is `{ code, message, retryable, details?, requestId }`:',
    '',
    '| code | status | retryable | meaning |',
    '| --- | --- | --- | --- |',
    rows,
  ].join('\n');
}

/**
 * Options for @fastify/swagger. `optionalBodies` holds operation ids whose body may be left
 * out; `binaryMedia` the operations that take or answer bytes (an OVA) instead of JSON.
 */
export function openApiOptions(version: string, optionalBodies: ReadonlySet<string>, binaryMedia: ReadonlyMap<string, BinaryMedia> = new Map()): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Skyport REST API', version, description: description(), license: { name: 'Apache-2.0', identifier: 'Apache-2.0' } },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token; the admin token is in `<data dir>/admin-token`.' },
        },
      },
      security: [{ bearerAuth: [] }],
      tags: TAGS,
    },
    // Components keep the names of their `$id` (`Instance`, not `def-7`).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`),
    },
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject;
      const openapi = document.openapiObject;
      // @fastify/swagger marks every body required because Fastify validates a missing
      // body against the schema; routes with `optionalBody` default it to `{}` instead.
      for (const item of Object.values(openapi.paths ?? {})) {
        for (const operation of Object.values(item ?? {})) {
          const op = operation as { operationId?: string; requestBody?: { required?: boolean } };
          if (op.operationId !== undefined && optionalBodies.has(op.operationId) && op.requestBody !== undefined) {
            op.requestBody.required = false;
          }
          const binary = op.operationId === undefined ? undefined : binaryMedia.get(op.operationId);
          if (binary !== undefined) describeBinary(op as BinaryOperation, binary);
        }
      }
      return openapi;
    },
  };
}

const BYTES = { type: 'string', format: 'binary' } as const;

interface BinaryOperation {
  requestBody?: { required?: boolean; description?: string; content?: Record<string, unknown> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

/** Route schemas describe JSON; a route that streams bytes gets its media types here. */
function describeBinary(op: BinaryOperation, media: BinaryMedia): void {
  if (media.request !== undefined) {
    op.requestBody = { required: true, description: 'The file itself, streamed.', content: Object.fromEntries(media.request.map((type) => [type, { schema: BYTES }])) };
  }
  const success = Object.keys(op.responses ?? {}).find((status) => /^2\d\d$/.test(status));
  if (media.response !== undefined && success !== undefined && op.responses?.[success] !== undefined) {
    op.responses[success].content = { [media.response]: { schema: BYTES } };
  }
}
