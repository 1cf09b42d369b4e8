import type { Tags } from '@skyport/model';

/**
 * Tags are serialized with sorted keys: providers return them in no fixed order, and a sync
 * compares serialized text to decide whether a resource changed.
 */
export function serializeTags(tags: Tags): string {
  const keys = Object.keys(tags);
  let sorted = true;
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      sorted = false;
      break;
    }
  }
  if (sorted) return JSON.stringify(tags);
  const ordered: Record<string, string> = {};
  for (const key of keys.sort()) ordered[key] = tags[key]!;
  return JSON.stringify(ordered);
}

export function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

export function parseNullableJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}
