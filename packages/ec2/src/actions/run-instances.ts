/**
 * RunInstances over `Broker.instances.create`, once per instance. ImageId is a Skyport image
 * id, InstanceType a hardware profile name, ClientToken the idempotency key (per instance:
 * `<token>#<n>`), so a retried launch returns the same instances instead of new ones.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CreateInstanceRequest } from '@skyport/core';
import { dimensionDefault, type HardwareProfile, type Instance, type Operation, type Tags } from '@skyport/model';
import type { ActionContext } from '../action-context.js';
import { defineAction } from '../action.js';
import { Ec2Error, invalidCombination, invalidValue, missingParameter } from '../protocol/ec2-error.js';
import type { QueryParams } from '../protocol/query-params.js';
import { items, type XmlFields } from '../protocol/xml-writer.js';
import { instanceXml, reservationIdOf } from '../render/instance-xml.js';
import { awaitCreated } from './await-created.js';
import { checkId } from './ids.js';
import { groupNamesFor } from './instance-lookups.js';
import { readTagSpecifications } from './tag-params.js';
import { resolveGroupIds } from './security-group-lookups.js';
import { derivedName, readClientToken } from './launch-names.js';

/** Instances per call; larger fleets are several calls (and several ClientTokens). */
const MAX_COUNT = 100;

interface RunInstancesInput {
  readonly imageId: string;
  readonly instanceType: string;
  readonly minCount: number;
  readonly maxCount: number;
  readonly keyName?: string;
  readonly userData?: string;
  readonly tags: Tags;
  readonly groupIds: readonly string[];
  readonly groupNames: readonly string[];
  readonly zone?: string;
  readonly clientToken?: string;
}

/** User-data arrives base64-encoded; the broker passes text on to the guest. */
function decodeUserData(raw: string): string {
  const compact = raw.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) throw invalidValue('UserData', '(hidden)', 'Invalid BASE64 encoding of user data.');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'));
  } catch {
    throw invalidValue('UserData', '(hidden)', 'The decoded user data must be UTF-8 text (cloud-init scripts and cloud-config are); binary (gzip) user data is not supported.');
  }
}

function parse(params: QueryParams): RunInstancesInput {
  const imageId = checkId('image', params.requiredString('ImageId', 'the id of an image (aws ec2 describe-images)'), 'ImageId');
  const instanceType = params.requiredString('InstanceType', 'the name of a hardware profile (aws ec2 describe-instance-types)');
  const minCount = params.integer('MinCount', { min: 1, max: MAX_COUNT });
  const maxCount = params.integer('MaxCount', { min: 1, max: MAX_COUNT });
  if (minCount === undefined) throw missingParameter('MinCount');
  if (maxCount === undefined) throw missingParameter('MaxCount');
  if (minCount > maxCount) throw invalidCombination(`MinCount (${minCount}) must not be greater than MaxCount (${maxCount})`);
  const keyName = params.string('KeyName');
  const userData = params.string('UserData');
  const zone = params.string('Placement.AvailabilityZone');
  const monitoring = params.boolean('Monitoring.Enabled');
  if (monitoring === true) throw invalidValue('Monitoring.Enabled', 'true', 'Skyport offers no detailed monitoring; leave it off.');
  const tagSpecs = readTagSpecifications(params, 'RunInstances', ['instance']);
  const clientToken = readClientToken(params);
  return {
    imageId,
    instanceType,
    minCount,
    maxCount,
    ...(keyName === undefined || keyName === '' ? {} : { keyName }),
    ...(userData === undefined || userData === '' ? {} : { userData: decodeUserData(userData) }),
    tags: tagSpecs.instance ?? {},
    groupIds: params.list('SecurityGroupId').map((id, i) => checkId('securityGroup', id, `SecurityGroupId.${i + 1}`)),
    groupNames: params.list('SecurityGroup'),
    ...(zone === undefined || zone === '' ? {} : { zone }),
    ...(clientToken === undefined ? {} : { clientToken }),
  };
}

/** What the answer shows for an instance the inventory does not have yet: what was asked. */
function requested(id: string, request: CreateInstanceRequest, profile: HardwareProfile, launchedAt: string): Instance {
  return {
    id,
    providerId: request.providerId,
    name: request.name,
    state: 'pending',
    rawState: 'requested',
    imageId: request.imageId,
    hardwareProfileId: request.hardwareProfileId,
    cpus: dimensionDefault(profile.cpus),
    memoryMiB: dimensionDefault(profile.memoryMiB),
    diskGiB: dimensionDefault(profile.diskGiB),
    ...(request.locationId === undefined ? {} : { locationId: request.locationId }),
    ...(request.keyName === undefined ? {} : { keyName: request.keyName }),
    ...(request.securityGroupIds === undefined ? {} : { securityGroupIds: request.securityGroupIds }),
    addresses: [],
    tags: request.tags ?? {},
    createdAt: launchedAt,
  };
}

async function run(ctx: ActionContext, input: RunInstancesInput): Promise<XmlFields> {
  const provider = await ctx.provider();
  const catalog = await ctx.catalog();
  const profile = catalog.profileByName.get(input.instanceType) ?? catalog.profileById.get(input.instanceType);
  if (profile === undefined) {
    throw new Ec2Error('InvalidParameterValue', `Invalid value '${input.instanceType}' for InstanceType: region ${ctx.region} has the instance types ${catalog.profiles.map((p) => p.name).join(', ')}`);
  }
  let locationId: string | undefined;
  if (input.zone !== undefined) {
    const zone = catalog.zoneByName.get(input.zone);
    if (zone === undefined) throw new Ec2Error('InvalidParameterValue', `Invalid availability zone: [${input.zone}]; the zones of region ${ctx.region} are ${catalog.zones.map((z) => z.name).join(', ')}`);
    locationId = zone.id;
  }
  const securityGroupIds = await resolveGroupIds(ctx, input.groupIds, input.groupNames);
  const launch = input.clientToken ?? randomUUID();
  const baseName = derivedName(input.tags['Name'], 'ec2', createHash('sha256').update(launch).digest('hex').slice(0, 10));

  const launched: { readonly operation: Operation; readonly request: CreateInstanceRequest }[] = [];
  for (let index = 0; index < input.maxCount; index++) {
    const request: CreateInstanceRequest = {
      providerId: provider.id,
      name: input.maxCount > 1 && input.tags['Name'] === undefined ? `${baseName}-${index}` : baseName,
      imageId: input.imageId,
      hardwareProfileId: profile.id,
      ...(locationId === undefined ? {} : { locationId }),
      ...(input.keyName === undefined ? {} : { keyName: input.keyName }),
      ...(input.userData === undefined ? {} : { userData: input.userData }),
      ...(securityGroupIds.length === 0 ? {} : { securityGroupIds }),
      ...(Object.keys(input.tags).length === 0 ? {} : { tags: input.tags }),
    };
    try {
      const operation = await ctx.broker.instances.create(request, input.clientToken === undefined ? {} : { idempotencyKey: `ec2-run:${input.clientToken}#${index}` });
      launched.push({ operation, request });
    } catch (error) {
      // EC2 launches between MinCount and MaxCount: a refusal after MinCount ends the launch there.
      if (index >= input.minCount) break;
      await undo(ctx, launched.map((l) => l.operation));
      throw error;
    }
  }
  const now = ctx.now().toISOString();
  const instances = await Promise.all(
    launched.map(async ({ operation, request }) => (await awaitCreated(ctx.broker, operation, (id) => ctx.broker.instances.get(id))) ?? requested(operation.targetId!, request, profile, now)),
  );
  const groupNames = await groupNamesFor(ctx, instances);
  return {
    reservationId: reservationIdOf(instances[0]!.id),
    ownerId: ctx.ownerId,
    groupSet: items(securityGroupIds.map((id) => ({ groupId: id, groupName: groupNames.get(id) ?? '' }))),
    instancesSet: items(instances.map((instance, index) => instanceXml(instance, { catalog, groupNames }, index))),
  };
}

/** Fewer than MinCount could be launched: the ones already started are terminated again. */
async function undo(ctx: ActionContext, operations: readonly Operation[]): Promise<void> {
  for (const operation of operations) {
    const instance = await awaitCreated(ctx.broker, operation, (id) => ctx.broker.instances.get(id)).catch(() => undefined);
    if (instance !== undefined) await ctx.broker.instances.act(instance.id, 'destroy').catch(() => undefined);
  }
}

export const runInstances = defineAction({
  name: 'RunInstances',
  mutates: true,
  subject: 'instance',
  parameters: ['ImageId', 'InstanceType', 'MinCount', 'MaxCount', 'KeyName', 'UserData', 'SecurityGroupId.N', 'SecurityGroup.N', 'Placement.AvailabilityZone', 'TagSpecification.N', 'ClientToken', 'Monitoring.Enabled'],
  parse,
  run,
});
