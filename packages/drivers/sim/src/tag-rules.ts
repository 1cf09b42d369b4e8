/** The sim's tag limits, modelled on common cloud limits so front ends meet them early. */
import { SkyportError, type Tags } from '@skyport/model';
import { invalidArgument } from './sim-errors.js';

export const MAX_TAGS_PER_RESOURCE = 50;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
/** Like `aws:` on EC2: the provider's own namespace, not settable by users. */
const RESERVED_PREFIX = 'sim:';

export interface TagChange {
  readonly set?: Tags;
  readonly remove?: readonly string[];
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw invalidArgument('tags', `tag key ${JSON.stringify(key)} must be 1 to ${MAX_KEY_LENGTH} characters`, { key });
  }
  if (key.startsWith(RESERVED_PREFIX)) {
    throw invalidArgument('tags', `tag key ${JSON.stringify(key)} uses the reserved prefix "${RESERVED_PREFIX}"`, { key });
  }
}

/** Applies `change` to `current`, validating every key and value and the total count. */
export function applyTagChange(current: Tags, change: TagChange): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const [key, value] of Object.entries(change.set ?? {})) {
    checkKey(key);
    if (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH) {
      throw invalidArgument('tags', `tag ${key} value must be a string of at most ${MAX_VALUE_LENGTH} characters`, { key });
    }
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

export function validateTags(tags: Tags | undefined): Record<string, string> {
  return applyTagChange({}, { set: tags ?? {} });
}
