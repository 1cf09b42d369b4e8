/**
 * Appliances: import an OVA (the request body is the file, streamed to disk, never held in
 * memory), export an image or a stopped instance as an OVA, download and delete exports.
 * Import and export answer 202 with an operation, like every long action.
 */
import { PassThrough, type Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { errorResponses } from '../schemas/error.js';
import { IdParams } from '../schemas/helpers.js';
import { ItemsSchema } from '../schemas/page.js';
import { IdempotencyHeaders, accepted, acceptedResponses, createOptions, type RoutePlugin } from './plugin.js';

/** What an OVA upload may be sent as: a tar archive, or bytes. */
export const OVA_CONTENT_TYPES = ['application/x-tar', 'application/octet-stream', 'application/ovf'] as const;
const OVA_MEDIA_TYPE = 'application/x-tar';

const ImportQuery = Type.Object(
  {
    provider: Type.String({ minLength: 1, description: 'The provider to import into (id or name); it must have the `imageImport` capability.' }),
    name: Type.String({ minLength: 1, description: 'Name of the new image, unique within the provider; further disks become `<name>-disk2`, ...' }),
    description: Type.Optional(Type.String({ maxLength: 255, description: 'Default: the appliance, its hardware and the nearest hardware profile.' })),
    lax: Type.Optional(Type.Boolean({ description: 'Accept what only a deployment target or an extension objects to, as warnings (like `ovftool --lax`).' })),
    fileName: Type.Optional(Type.String({ maxLength: 255, description: "The file's name as the user had it, for messages." })),
  },
  { additionalProperties: false },
);

const ExportBody = Type.Object(
  { ovfVersion: Type.Optional(Type.Union([Type.Literal('1.0'), Type.Literal('2.0')], { description: 'OVF 1.0 (default; what every consumer reads) or 2.0.' })) },
  { additionalProperties: false },
);

const ExportParams = Type.Object({ operationId: Type.String({ minLength: 1, description: 'The id of the export operation.' }) });

export const ExportSummarySchema = Type.Object(
  {
    operationId: Type.String({ description: 'The export operation, which names the export: download it from GET /api/v1/exports/{operationId}.' }),
    fileName: Type.String(),
    sizeBytes: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    ovfVersion: Type.Union([Type.Literal('1.0'), Type.Literal('2.0')]),
    expiresAt: Type.String({ format: 'date-time', description: 'When the broker removes it.' }),
    providerId: Type.String(),
    source: Type.Object(
      { kind: Type.Union([Type.Literal('image'), Type.Literal('instance')]), id: Type.String() },
      { additionalProperties: false, description: 'The image or instance exported.' },
    ),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

/**
 * The body as a stream the broker may abandon: when it stops reading (a refusal half-way, an
 * idempotent replay), the request itself is drained, not destroyed, so the client still gets
 * the answer. A client that goes away mid-upload fails the stream instead of leaving it hanging.
 */
function detachable(payload: Readable): { body: PassThrough; abandon(): void } {
  const body = new PassThrough();
  payload.on('error', (error) => body.destroy(error));
  payload.on('close', () => {
    if (!(payload as Readable & { complete?: boolean }).complete && !body.destroyed) body.destroy(new Error('the client closed the connection before the upload ended'));
  });
  payload.pipe(body);
  return {
    body,
    abandon() {
      payload.unpipe(body);
      payload.resume();
    },
  };
}

export const applianceRoutes: RoutePlugin = async (app, { broker }) => {
  // The upload route in a context of its own: only it takes a tar body, so every other route
  // still answers 415 to anything but JSON.
  await app.register(async (context) => {
    context.addContentTypeParser([...OVA_CONTENT_TYPES], (_request, payload, done) => done(null, payload));
    const uploads = context.withTypeProvider<TypeBoxTypeProvider>();
    uploads.post(
        '/images/import',
        {
          config: { binary: { request: [...OVA_CONTENT_TYPES] } },
          schema: {
            operationId: 'importImage',
            tags: ['appliances'],
            summary: 'Import an OVA as an image',
            description:
              'The request body is the .ova file (`Content-Type: application/x-tar` or `application/octet-stream`), streamed to the broker\'s disk; at most 64 GiB by default. ' +
              'A body that is not a tar archive, too large, or whose descriptor is invalid is refused at once (400). The operation then extracts the OVA (manifest verified), ' +
              'checks the disks (no backing files, formats by magic), converts what the provider does not take, maps the VM to the nearest hardware profile ' +
              '(`result.hardwareProfile`) and imports the disks; on any failure nothing stays imported. 501 Unsupported unless the provider has `imageImport`.',
          headers: IdempotencyHeaders,
          querystring: ImportQuery,
          response: acceptedResponses('The import has started; the operation\'s `targetId` is the new image.'),
        },
      },
      async (request, reply) => {
        const upload = detachable(request.body as Readable);
        const length = Number(request.headers['content-length']);
        try {
          const { provider, name, description, lax, fileName } = request.query;
          const operation = await broker.images.importOva(
            {
              providerId: provider,
              name,
              body: upload.body,
              ...(Number.isFinite(length) ? { sizeBytes: length } : {}),
              ...(description === undefined ? {} : { description }),
              ...(lax === undefined ? {} : { lax }),
              ...(fileName === undefined ? {} : { fileName }),
            },
            createOptions(request.headers),
          );
          return accepted(reply, operation);
        } finally {
          // Whatever the broker left unread (a refusal, or a retry it answered from its
          // idempotency key without reading) is drained, so the client gets the answer.
          upload.abandon();
        }
      },
    );
  });

  const exportRoute = (kind: 'image' | 'instance', operationId: string) =>
    app.post(
      `/${kind}s/:id/export`,
      {
        config: { optionalBody: true },
        schema: {
          operationId,
          tags: ['appliances'],
          summary: kind === 'image' ? 'Export an image as an OVA' : 'Export a stopped instance as an OVA',
          description:
            `${kind === 'instance' ? '409 InvalidState unless the instance is stopped. ' : '409 InvalidState unless the image is available. '}` +
            '501 Unsupported unless the provider has `diskExport`. The OVA holds the descriptor first, then a SHA-256 manifest, then the disk as a streamOptimized VMDK. ' +
            "When the operation has succeeded, its `result` names the file (`fileName`, `sizeBytes`, `sha256`, `expiresAt`); download it from GET /api/v1/exports/{operation id}.",
          params: IdParams,
          body: ExportBody,
          response: acceptedResponses('The export has started.'),
        },
      },
      async (request, reply) => {
        const options = request.body.ovfVersion === undefined ? {} : { ovfVersion: request.body.ovfVersion };
        const operation = kind === 'image' ? await broker.images.export(request.params.id, options) : await broker.instances.export(request.params.id, options);
        return accepted(reply, operation);
      },
    );
  exportRoute('image', 'exportImage');
  exportRoute('instance', 'exportInstance');

  app.get(
    '/exports',
    {
      schema: {
        operationId: 'listExports',
        tags: ['appliances'],
        summary: 'List exported OVAs that can be downloaded',
        description: "The tenant's finished exports that are neither deleted nor expired, newest first.",
        response: { 200: ItemsSchema(ExportSummarySchema, 'Exports ready for download.'), ...errorResponses },
      },
    },
    async () => ({ items: await broker.exports.list() }),
  );

  app.get(
    '/exports/:operationId',
    {
      config: { binary: { response: OVA_MEDIA_TYPE } },
      schema: {
        operationId: 'downloadExport',
        tags: ['appliances'],
        summary: 'Download an exported OVA',
        description:
          'Streams the OVA with `Content-Length`, `Content-Disposition` (its file name) and `Repr-Digest` (its SHA-256). 409 while the export runs or when it failed; ' +
          '404 once deleted or expired (exports are kept 24 hours by default).',
        params: ExportParams,
        response: { 200: Type.String({ format: 'binary', description: 'The OVA.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const file = await broker.exports.get(request.params.operationId);
      const stream = file.open();
      stream.on('error', (error) => request.log.warn({ err: error }, 'an export download failed while streaming'));
      // The type provider only knows the documented string body; a stream is sent as it is.
      return (reply as unknown as FastifyReply)
        .type(OVA_MEDIA_TYPE)
        .header('content-length', String(file.sizeBytes))
        .header('content-disposition', `attachment; filename="${file.fileName.replace(/["\\]/g, '_')}"`)
        .header('repr-digest', `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`)
        .header('etag', `"${file.sha256}"`)
        .header('cache-control', 'private, no-store')
        .send(stream);
    },
  );

  app.delete(
    '/exports/:operationId',
    {
      schema: {
        operationId: 'deleteExport',
        tags: ['appliances'],
        summary: 'Delete an exported OVA',
        description: 'Removes the file at once (a download already streaming finishes); later downloads answer 404.',
        params: ExportParams,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await broker.exports.delete(request.params.operationId);
      return reply.code(204).send(null);
    },
  );
};

