/** Tag limits of the qemu driver (the common cloud limits, so front ends meet them early). */
import { SkyportError, type Tags } from '@skyport/model';
import { invalidArgument } from './errors.js';

export const MAX_TAGS_PER_RESOURCE = 50;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;

export interface TagChange {
  readonly set?: Tags;
  readonly remove?: readonly string[];
}

/** `current` with `change` applied; every key, value and the count are checked first. */
export function applyTagChange(current: Tags, change: TagChange): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const [key, value] of Object.entries(change.set ?? {})) {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw invalidArgument('tags', `tag key ${JSON.stringify(key)} must be 1 to ${MAX_KEY_LENGTH} characters`, { key });
    if (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH) throw invalidArgument('tags', `tag ${key} must have a string value of at most ${MAX_VALUE_LENGTH} characters`, { key });
    next[key] = value;
  }
  for (const key of change.remove ?? []) delete next[key];
  const count = Object.keys(next).length;
  if (count > MAX_TAGS_PER_RESOURCE) {
    throw new SkyportError('QuotaExceeded', `a resource may carry at most ${MAX_TAGS_PER_RESOURCE} tags; this change would leave ${count}`, {
      providerCode: 'TagLimitExceeded',
      details: { field: 'tags', limit: MAX_TAGS_PER_RESOURCE, count },
    });
  }
  return next;
}

export function validTags(tags: Tags | undefined): Record<string, string> {
  return applyTagChange({}, { set: tags ?? {} });
}

/** 1..255 characters, not blank: names appear in URLs, CLI tables and hostnames. */
export function checkName(field: string, kind: string, name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 255) {
    throw invalidArgument(field, `${kind} name ${JSON.stringify(name)} must be 1 to 255 characters, not blank`);
  }
  return name;
}
