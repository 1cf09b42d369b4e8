import { SkyportError, newId, type Image } from '@skyport/model';
import type { Broker, CreateImageRequest, CreateOptions } from '../broker.js';
import type { BrokerContext } from '../context.js';
import type { ImageCreateInput, ImageDeleteInput } from '../operations/handlers.js';
import { freshInstance } from './fresh-instance.js';
import { alreadyStarted, idempotent } from './idempotent.js';
import { listKind, recordOf } from './queries.js';
import { requireName, requireTags, unsupported } from './validation.js';

const MAX_DESCRIPTION = 255;

export function imageService(ctx: BrokerContext, hurry: (providerId: string) => void): Omit<Broker['images'], 'importOva' | 'export'> {
  return {
    list: (query) => listKind<Image>(ctx, 'image', query),
    get: async (id) => (await recordOf(ctx, 'image', id)).data as unknown as Image,

    async createFromInstance(request: CreateImageRequest, options?: CreateOptions) {
      const started = await alreadyStarted(ctx, 'image.create', options, request);
      if (started) return started;
      const instanceRecord = await recordOf(ctx, 'instance', request.instanceId);
      const { record: provider, factory, driver } = await ctx.connections.get(instanceRecord.providerId);
      const caps = factory.capabilities.imageFromInstance;
      if (!caps || !driver.createImageFromInstance) throw unsupported(provider.name, 'creating images from instances');
      requireName('name', request.name);
      if (request.description !== undefined && (typeof request.description !== 'string' || request.description.length > MAX_DESCRIPTION)) {
        throw new SkyportError('InvalidArgument', `description must be a string of at most ${MAX_DESCRIPTION} characters`, { details: { field: 'description', max: MAX_DESCRIPTION } });
      }
      requireTags('tags', request.tags);
      // Image names are unique per account at most clouds; refusing here gives a clear message.
      const sameName = await ctx.store.resources.list({ kind: 'image', providerIds: [provider.id], name: request.name.replace(/\*/g, ''), limit: 1 });
      if (sameName.items.length > 0) {
        throw new SkyportError('AlreadyExists', `an image named "${request.name}" already exists in provider ${provider.name} (${sameName.items[0]?.id})`, { details: { field: 'name', id: sameName.items[0]?.id } });
      }
      // A disk copied while the guest writes may be inconsistent; most clouds want it stopped.
      const allowed = caps.whileRunning ? ['stopped', 'running'] : ['stopped'];
      const instance = await freshInstance(ctx, instanceRecord);
      if (!allowed.includes(instance.state)) {
        throw new SkyportError('InvalidState', `cannot create an image from instance ${request.instanceId}: it is ${instance.state}; provider ${provider.name} needs it to be ${allowed.join(' or ')}`, {
          details: { field: 'instanceId', currentState: instance.state, allowedStates: allowed },
        });
      }
      return idempotent(ctx, 'image.create', options, request, async () => {
        const input: ImageCreateInput = {
          instanceNativeId: instanceRecord.nativeId,
          name: request.name,
          ...(request.description === undefined ? {} : { description: request.description }),
          ...(request.tags === undefined ? {} : { tags: request.tags }),
        };
        hurry(provider.id);
        return { type: 'image.create', providerId: provider.id, targetKind: 'image', targetId: newId('image'), input: { ...input }, message: `queued: image ${request.name} from ${instanceRecord.name}` };
      });
    },

    async delete(id) {
      const record = await recordOf(ctx, 'image', id);
      const { record: provider, driver } = await ctx.connections.get(record.providerId);
      if (!driver.deleteImage) throw unsupported(provider.name, 'deleting images');
      const image = record.data as unknown as Image;
      if (image.public) {
        throw new SkyportError('InvalidArgument', `image ${id} (${record.name}) is a public image of provider ${provider.name}; only the account's own images (made from instances or imported) can be deleted`, {
          details: { id, public: true },
        });
      }
      if (record.state === 'pending') {
        throw new SkyportError('InvalidState', `cannot delete image ${id}: it is pending; delete needs it to be available or failed`, {
          details: { currentState: record.state, allowedStates: ['available', 'failed'] },
        });
      }
      const input: ImageDeleteInput = { nativeId: record.nativeId };
      hurry(provider.id);
      return ctx.operations.enqueue({ type: 'image.delete', providerId: provider.id, targetKind: 'image', targetId: id, input: { ...input }, message: `queued: delete image ${record.name}` });
    },
  };
}
