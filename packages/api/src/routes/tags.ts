/** Tags on every taggable kind, changed with one PATCH shape. */
import { Type } from '@sinclair/typebox';
import type { TaggableKind } from '@skyport/model';
import { errorResponses } from '../schemas/error.js';
import { IdParams, ReadonlyArray, TagsSchema } from '../schemas/helpers.js';
import type { RoutePlugin } from './plugin.js';

export const TagChangeBody = Type.Object(
  {
    set: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String(), { description: 'Tags to add or overwrite.' })),
    remove: Type.Optional(ReadonlyArray(Type.String({ minLength: 1 }), { description: 'Keys to remove.' })),
  },
  { additionalProperties: false, description: 'Tags to set and keys to remove; keys in neither are kept.' },
);

const TagsReply = Type.Object({ tags: TagsSchema }, { description: 'The tags after the change.' });

/** URL segment → the model's kind; the order is the order of the document. */
const TAGGABLE: readonly (readonly [path: string, kind: TaggableKind, operationId: string, noun: string])[] = [
  ['instances', 'instance', 'updateInstanceTags', 'an instance'],
  ['volumes', 'volume', 'updateVolumeTags', 'a volume'],
  ['snapshots', 'snapshot', 'updateSnapshotTags', 'a snapshot'],
  ['images', 'image', 'updateImageTags', 'an image'],
  ['key-pairs', 'keyPair', 'updateKeyPairTags', 'a key pair'],
  ['security-groups', 'securityGroup', 'updateSecurityGroupTags', 'a security group'],
];

export const tagRoutes: RoutePlugin = async (app, { broker }) => {
  for (const [path, kind, operationId, noun] of TAGGABLE) {
    app.patch(
      `/${path}/:id/tags`,
      {
        schema: {
          operationId,
          tags: ['tags', path],
          summary: `Change the tags of ${noun}`,
          description: '501 Unsupported when the provider cannot tag this kind (capability `tags.kinds`).',
          params: IdParams,
          body: TagChangeBody,
          response: { 200: TagsReply, ...errorResponses },
        },
      },
      async (request) => ({ tags: await broker.tags.update(kind, request.params.id, request.body) }),
    );
  }
};
