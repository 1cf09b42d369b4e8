/**
 * The broker's own tags (`skyport:migration`, ...) on remote resources. A broker reserves the
 * `skyport:` prefix for itself, so its REST API refuses such keys from a caller, and the
 * federating broker is a caller there. Keys of this broker's namespace travel under
 * `skyport-fed:` instead and come back under `skyport:`, so a migration's tag still finds its
 * instance, while the remote's own `skyport:` tags stay its own.
 */
import type { Tags } from '@skyport/model';

const LOCAL = 'skyport:';
const REMOTE = 'skyport-fed:';

export function tagKeyToRemote(key: string): string {
  return key.startsWith(LOCAL) ? REMOTE + key.slice(LOCAL.length) : key;
}

export function tagsToRemote(tags: Tags): Tags {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [tagKeyToRemote(k), v]));
}

/** The remote's tags as this broker shows them; the remote broker's own `skyport:` tags are dropped (they describe its bookkeeping, not ours). */
export function tagsFromRemote(tags: Tags): Tags {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (key.startsWith(REMOTE)) result[LOCAL + key.slice(REMOTE.length)] = value;
    else if (!key.startsWith(LOCAL)) result[key] = value;
  }
  return result;
}
