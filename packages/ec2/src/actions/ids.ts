/**
 * Resource ids as EC2 clients send them. Skyport's broker ids already have EC2's shape
 * (`i-` and 17 hex digits), so they are handed out unchanged; a malformed id gets EC2's
 * `.Malformed` code, an unknown one the `.NotFound` code waiters match on.
 */
import { isSkyportError } from '@skyport/model';
import type { Subject } from '../protocol/error-mapping.js';
import { Ec2Error } from '../protocol/ec2-error.js';

interface IdRule {
  readonly pattern: RegExp;
  readonly malformed: string;
  readonly noun: string;
  readonly notFound: string;
}

const ID_RULES: Partial<Record<Subject, IdRule>> = {
  instance: { pattern: /^i-[0-9a-f]{8,17}$/, malformed: 'InvalidInstanceID.Malformed', noun: 'instance ID', notFound: 'InvalidInstanceID.NotFound' },
  image: { pattern: /^ami-[0-9a-f]{8,17}$/, malformed: 'InvalidAMIID.Malformed', noun: 'image id', notFound: 'InvalidAMIID.NotFound' },
  volume: { pattern: /^vol-[0-9a-f]{8,17}$/, malformed: 'InvalidVolumeID.Malformed', noun: 'volume', notFound: 'InvalidVolume.NotFound' },
  snapshot: { pattern: /^snap-[0-9a-f]{8,17}$/, malformed: 'InvalidSnapshotID.Malformed', noun: 'snapshot', notFound: 'InvalidSnapshot.NotFound' },
  securityGroup: { pattern: /^sg-[0-9a-f]{8,17}$/, malformed: 'InvalidGroupId.Malformed', noun: 'security group', notFound: 'InvalidGroup.NotFound' },
  keyPair: { pattern: /^key-[0-9a-f]{8,17}$/, malformed: 'InvalidKeyPair.Format', noun: 'key pair', notFound: 'InvalidKeyPair.NotFound' },
};

function rule(subject: Subject): IdRule {
  const found = ID_RULES[subject];
  if (found === undefined) throw new Error(`no id rule for ${subject}`);
  return found;
}

/** Refuses an id that cannot be of this kind, naming the form it must have. */
export function checkId(subject: Subject, id: string, parameter: string): string {
  const r = rule(subject);
  if (!r.pattern.test(id)) {
    const prefix = r.pattern.source.slice(1, r.pattern.source.indexOf('-') + 1);
    throw new Ec2Error(r.malformed, `Invalid id: "${id}" (${parameter}) is not a ${r.noun}; ids of this kind look like ${prefix}0123456789abcdef0`);
  }
  return id;
}

/** `The instance IDs 'i-1, i-2' do not exist` — EC2's wording, with Skyport's hint on regions. */
export function notFound(subject: Subject, ids: readonly string[], region: string): Ec2Error {
  const r = rule(subject);
  const plural = ids.length > 1;
  const noun = plural ? `${r.noun}s` : r.noun;
  return new Ec2Error(r.notFound, `The ${noun} '${ids.join(', ')}' ${plural ? 'do' : 'does'} not exist in region ${region}`);
}

/**
 * Reads resources by id, all or nothing: every id must exist in the region's provider.
 * Resources of other providers count as missing, as resources of other regions do at EC2.
 */
export async function getAllInProvider<T extends { readonly id: string; readonly providerId: string }>(
  subject: Subject,
  ids: readonly string[],
  providerId: string,
  region: string,
  get: (id: string) => Promise<T>,
): Promise<T[]> {
  const found: T[] = [];
  const missing: string[] = [];
  for (const id of [...new Set(ids)]) {
    try {
      const item = await get(id);
      if (item.providerId === providerId) found.push(item);
      else missing.push(id);
    } catch (error) {
      if (isSkyportError(error) && error.code === 'NotFound') missing.push(id);
      else throw error;
    }
  }
  if (missing.length > 0) throw notFound(subject, missing, region);
  return found;
}
