/** GetConsoleOutput: the serial console the provider captured, base64-encoded as EC2 sends it. */
import { defineAction } from '../action.js';
import { checkId, getAllInProvider } from './ids.js';

export const getConsoleOutput = defineAction({
  name: 'GetConsoleOutput',
  mutates: false,
  subject: 'instance',
  parameters: ['InstanceId', 'Latest'],
  parse(params) {
    const id = checkId('instance', params.requiredString('InstanceId'), 'InstanceId');
    params.boolean('Latest');
    return { id };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    await getAllInProvider('instance', [input.id], provider.id, ctx.region, (id) => ctx.broker.instances.get(id));
    const console = await ctx.broker.instances.consoleOutput(input.id);
    return { instanceId: input.id, timestamp: new Date(console.timestamp), output: Buffer.from(console.output, 'utf8').toString('base64') };
  },
});
