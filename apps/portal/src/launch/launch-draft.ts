/** The launch wizard's answers, its steps, and the request they make. */
import type { CreateInstanceRequest } from '@skyport/client';

export interface LaunchDraft {
  readonly providerId: string;
  readonly imageId: string;
  readonly hardwareProfileId: string;
  /** As typed; empty means the profile's default. */
  readonly cpus: string;
  readonly memoryMiB: string;
  readonly diskGiB: string;
  readonly locationId: string;
  readonly keyName: string;
  readonly securityGroupIds: readonly string[];
  readonly name: string;
  readonly userData: string;
}

export const EMPTY_DRAFT: LaunchDraft = {
  providerId: '',
  imageId: '',
  hardwareProfileId: '',
  cpus: '',
  memoryMiB: '',
  diskGiB: '',
  locationId: '',
  keyName: '',
  securityGroupIds: [],
  name: '',
  userData: '',
};

export interface LaunchStep {
  readonly key: string;
  readonly title: string;
  /** Request fields asked on this step: an API error about one of them opens this step. */
  readonly fields: readonly string[];
  /** Whether the step has what Next needs. */
  readonly complete: (draft: LaunchDraft) => boolean;
}

export const STEPS: readonly LaunchStep[] = [
  { key: 'provider', title: 'Provider', fields: ['providerId'], complete: (d) => d.providerId !== '' },
  { key: 'image', title: 'Image', fields: ['imageId'], complete: (d) => d.imageId !== '' },
  { key: 'hardware', title: 'Hardware', fields: ['hardwareProfileId', 'cpus', 'memoryMiB', 'diskGiB', 'locationId'], complete: (d) => d.hardwareProfileId !== '' },
  { key: 'key-pair', title: 'Key pair', fields: ['keyName'], complete: () => true },
  { key: 'security-groups', title: 'Security groups', fields: ['securityGroupIds'], complete: () => true },
  { key: 'details', title: 'Name and user data', fields: ['name', 'userData', 'tags'], complete: (d) => d.name.trim() !== '' },
  { key: 'review', title: 'Review', fields: [], complete: () => true },
];

/** The step that asks for `field` (`securityGroupIds/0` is on the security-groups step); the review step otherwise. */
export function stepOfField(field: string | undefined): number {
  const top = field?.split('/')[0];
  const at = STEPS.findIndex((step) => top !== undefined && step.fields.includes(top));
  return at === -1 ? STEPS.length - 1 : at;
}

/**
 * The request as the user filled it in. Numbers are sent as typed (the API checks them
 * against the profile and says what is allowed), empty choices are left out.
 */
export function toRequest(draft: LaunchDraft): CreateInstanceRequest {
  const number = (text: string) => (text.trim() === '' ? undefined : Number(text));
  const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, V>));
  return {
    providerId: draft.providerId,
    name: draft.name.trim(),
    imageId: draft.imageId,
    hardwareProfileId: draft.hardwareProfileId,
    ...optional('cpus', number(draft.cpus)),
    ...optional('memoryMiB', number(draft.memoryMiB)),
    ...optional('diskGiB', number(draft.diskGiB)),
    ...optional('locationId', draft.locationId),
    ...optional('keyName', draft.keyName),
    ...optional('userData', draft.userData),
    ...(draft.securityGroupIds.length === 0 ? {} : { securityGroupIds: draft.securityGroupIds }),
  };
}
