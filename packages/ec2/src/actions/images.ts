/**
 * CreateImage (from an instance, where the provider can) and DeregisterImage. The answer of
 * CreateImage is the new image's id at once, as at EC2; the image is `pending` until the
 * provider has made it (`aws ec2 wait image-available`).
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateImage.html
 */
import { defineAction } from '../action.js';
import { Ec2Error } from '../protocol/ec2-error.js';
import { awaitAccepted } from './await-created.js';
import { checkId, getAllInProvider } from './ids.js';
import { readTagSpecifications } from './tag-params.js';

export const createImage = defineAction({
  name: 'CreateImage',
  mutates: true,
  subject: 'image',
  parameters: ['InstanceId', 'Name', 'Description', 'NoReboot', 'TagSpecification.N'],
  parse(params) {
    const instanceId = checkId('instance', params.requiredString('InstanceId'), 'InstanceId');
    const name = params.requiredString('Name');
    const description = params.string('Description');
    const noReboot = params.boolean('NoReboot');
    const tags = readTagSpecifications(params, 'CreateImage', ['image']).image;
    return { instanceId, name, description, noReboot, tags };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    const [instance] = await getAllInProvider('instance', [input.instanceId], provider.id, ctx.region, (id) => ctx.broker.instances.get(id));
    // EC2 reboots a running instance for a consistent image unless NoReboot; Skyport never
    // restarts a guest behind the user's back, so a running instance needs NoReboot to say so.
    if (instance!.state === 'running' && input.noReboot !== true) {
      throw new Ec2Error('IncorrectInstanceState', `Instance '${input.instanceId}' is running: stop it first for a consistent image, or pass NoReboot to image it while it runs (Skyport does not reboot instances to image them)`);
    }
    const operation = await ctx.broker.images.createFromInstance({
      instanceId: input.instanceId,
      name: input.name,
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.tags === undefined ? {} : { tags: input.tags }),
    });
    await awaitAccepted(ctx.broker, operation);
    return { imageId: operation.targetId };
  },
});

export const deregisterImage = defineAction({
  name: 'DeregisterImage',
  mutates: true,
  subject: 'image',
  parameters: ['ImageId'],
  parse: (params) => ({ imageId: checkId('image', params.requiredString('ImageId'), 'ImageId') }),
  async run(ctx, input) {
    const provider = await ctx.provider();
    const [image] = await getAllInProvider('image', [input.imageId], provider.id, ctx.region, (id) => ctx.broker.images.get(id));
    if (image!.public) throw new Ec2Error('AuthFailure', `Not authorized for image:${input.imageId}: it is a public image of provider ${provider.name}; only images made from your instances can be deregistered`);
    await awaitAccepted(ctx.broker, await ctx.broker.images.delete(input.imageId));
    return { return: true };
  },
});
