/**
 * Start, Stop, Reboot and TerminateInstances. EC2's rules: every id must exist before anything
 * happens; asking for the state an instance is already in (or on its way to) is a no-op that
 * reports it; otherwise a state that does not allow the action is `IncorrectInstanceState`.
 * The answer shows the state before and the transitional state after, as EC2 does.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StopInstances.html
 */
import { allowsAction, type Instance, type InstanceAction, type InstanceState, type Operation } from '@skyport/model';
import type { ActionContext } from '../action-context.js';
import { defineAction } from '../action.js';
import { ec2State } from '../instance-state-codes.js';
import { Ec2Error, invalidValue, missingParameter } from '../protocol/ec2-error.js';
import type { QueryParams } from '../protocol/query-params.js';
import { items, type XmlFields } from '../protocol/xml-writer.js';
import { awaitAccepted } from './await-created.js';
import { checkId, getAllInProvider } from './ids.js';

interface StateChange {
  readonly action: InstanceAction;
  /** States in which the request is already done (or under way): nothing to do. */
  readonly alreadyThere: readonly InstanceState[];
  /** The state EC2 reports right after the request. */
  readonly after: InstanceState;
  readonly verb: string;
}

const CHANGES = {
  StartInstances: { action: 'start', alreadyThere: ['running', 'pending', 'rebooting'], after: 'pending', verb: 'started' },
  StopInstances: { action: 'stop', alreadyThere: ['stopped', 'stopping'], after: 'stopping', verb: 'stopped' },
  TerminateInstances: { action: 'destroy', alreadyThere: ['terminated', 'shutting-down'], after: 'shutting-down', verb: 'terminated' },
  RebootInstances: { action: 'reboot', alreadyThere: ['rebooting'], after: 'running', verb: 'rebooted' },
} as const satisfies Record<string, StateChange>;

type ChangeName = keyof typeof CHANGES;

interface Input {
  readonly ids: readonly string[];
  readonly force: boolean;
}

function readIds(params: QueryParams): string[] {
  const ids = params.list('InstanceId').map((id, i) => checkId('instance', id, `InstanceId.${i + 1}`));
  if (ids.length === 0) throw missingParameter('InstanceId.1', 'the ids of the instances');
  if (ids.length > 1000) throw invalidValue('InstanceId', `${ids.length} ids`, 'At most 1000 instances per request.');
  return ids;
}

async function change(ctx: ActionContext, name: ChangeName, input: Input): Promise<{ readonly instance: Instance; readonly after: InstanceState }[]> {
  const spec: StateChange = CHANGES[name];
  const provider = await ctx.provider();
  const instances = await getAllInProvider('instance', input.ids, provider.id, ctx.region, (id) => ctx.broker.instances.get(id));
  const refused = instances.filter((i) => !spec.alreadyThere.includes(i.state) && !allowsAction(i.state, spec.action));
  if (refused.length > 0) {
    const list = refused.map((i) => `'${i.id}' (${i.state})`).join(', ');
    throw new Ec2Error('IncorrectInstanceState', `The instance ${list} ${refused.length > 1 ? 'are' : 'is'} not in a state from which ${refused.length > 1 ? 'they' : 'it'} can be ${spec.verb}`);
  }
  const results: { instance: Instance; after: InstanceState }[] = [];
  const operations: Operation[] = [];
  for (const instance of instances) {
    if (spec.alreadyThere.includes(instance.state)) {
      results.push({ instance, after: instance.state });
      continue;
    }
    operations.push(await ctx.broker.instances.act(instance.id, spec.action, spec.action === 'stop' && input.force ? { force: true } : undefined));
    results.push({ instance, after: spec.after });
  }
  await Promise.all(operations.map((op) => awaitAccepted(ctx.broker, op)));
  return results;
}

function stateChangeXml(results: readonly { readonly instance: Instance; readonly after: InstanceState }[]): XmlFields {
  return {
    instancesSet: items(results.map(({ instance, after }) => ({ instanceId: instance.id, currentState: ec2State(after), previousState: ec2State(instance.state) }))),
  };
}

export const startInstances = defineAction<Input>({
  name: 'StartInstances',
  mutates: true,
  subject: 'instance',
  parameters: ['InstanceId.N'],
  parse: (params) => ({ ids: readIds(params), force: false }),
  run: async (ctx, input) => stateChangeXml(await change(ctx, 'StartInstances', input)),
});

export const stopInstances = defineAction<Input>({
  name: 'StopInstances',
  mutates: true,
  subject: 'instance',
  parameters: ['InstanceId.N', 'Force', 'Hibernate'],
  parse(params) {
    if (params.boolean('Hibernate') === true) throw invalidValue('Hibernate', 'true', 'Skyport instances cannot hibernate; stop them without it.');
    return { ids: readIds(params), force: params.boolean('Force') === true };
  },
  run: async (ctx, input) => stateChangeXml(await change(ctx, 'StopInstances', input)),
});

export const terminateInstances = defineAction<Input>({
  name: 'TerminateInstances',
  mutates: true,
  subject: 'instance',
  parameters: ['InstanceId.N'],
  parse: (params) => ({ ids: readIds(params), force: false }),
  run: async (ctx, input) => stateChangeXml(await change(ctx, 'TerminateInstances', input)),
});

export const rebootInstances = defineAction<Input>({
  name: 'RebootInstances',
  mutates: true,
  subject: 'instance',
  parameters: ['InstanceId.N'],
  parse: (params) => ({ ids: readIds(params), force: false }),
  async run(ctx, input) {
    await change(ctx, 'RebootInstances', input);
    return { return: true };
  },
});
