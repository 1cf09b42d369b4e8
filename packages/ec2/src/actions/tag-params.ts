/**
 * Tags in requests: `TagSpecification.N.ResourceType` with `TagSpecification.N.Tag.M.Key/Value`
 * on creates, `Tag.N.Key/Value` on CreateTags and DeleteTags.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TagSpecification.html
 */
import type { TaggableKind, Tags } from '@skyport/model';
import { Ec2Error, invalidValue, missingParameter } from '../protocol/ec2-error.js';
import type { QueryParams } from '../protocol/query-params.js';

/** EC2 resource types and the Skyport kinds they are. */
export const RESOURCE_TYPES = {
  instance: 'instance',
  volume: 'volume',
  snapshot: 'snapshot',
  image: 'image',
  'key-pair': 'keyPair',
  'security-group': 'securityGroup',
} as const satisfies Record<string, TaggableKind>;

export type Ec2ResourceType = keyof typeof RESOURCE_TYPES;

/** EC2 resource type of a Skyport kind. */
export function resourceTypeOf(kind: TaggableKind): Ec2ResourceType {
  return (Object.keys(RESOURCE_TYPES) as Ec2ResourceType[]).find((t) => RESOURCE_TYPES[t] === kind)!;
}

function checkKey(key: string, parameter: string): string {
  // EC2 reserves the aws: prefix for itself; Skyport keeps skyport: (the broker refuses it).
  if (key.toLowerCase().startsWith('aws:')) throw invalidValue(parameter, key, "Tag keys starting with 'aws:' are reserved for internal use.");
  return key;
}

/** `prefix.N.Key` and `prefix.N.Value` pairs; with `valueOptional`, a missing value is `undefined`. */
export function readTagPairs(params: QueryParams, prefix: string, valueOptional: boolean): { readonly key: string; readonly value: string | undefined }[] {
  return params.structures(prefix, (member) => {
    const key = params.string(`${member}.Key`);
    if (key === undefined || key === '') throw missingParameter(`${member}.Key`);
    const value = params.string(`${member}.Value`);
    return { key: checkKey(key, `${member}.Key`), value: value ?? (valueOptional ? undefined : '') };
  });
}

/** Tags for the resource types an action creates; other types are refused by name. */
export function readTagSpecifications(params: QueryParams, action: string, allowed: readonly Ec2ResourceType[]): Partial<Record<Ec2ResourceType, Tags>> {
  const result: Partial<Record<Ec2ResourceType, Record<string, string>>> = {};
  for (const i of params.indexes('TagSpecification')) {
    const prefix = `TagSpecification.${i}`;
    const type = params.string(`${prefix}.ResourceType`);
    if (type === undefined || type === '') throw missingParameter(`${prefix}.ResourceType`, `one of ${allowed.join(', ')}`);
    if (!(allowed as readonly string[]).includes(type)) {
      throw new Ec2Error('InvalidParameterValue', `${action} cannot tag resources of type '${type}' (${prefix}.ResourceType); it tags ${allowed.join(', ')}`);
    }
    const tags = (result[type as Ec2ResourceType] ??= {});
    for (const { key, value } of readTagPairs(params, `${prefix}.Tag`, false)) tags[key] = value ?? '';
  }
  return result;
}
