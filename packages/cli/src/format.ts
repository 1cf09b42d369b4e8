/** How values read in a terminal: dimensions, tags, times, addresses. Pure functions. */
import type { InstanceAddress, ProfileDimension, Tags } from '@skyport/model';

/** `2`, `1..16`, `512..65536 step 512`, `512|1024|2048`; the default is shown apart. */
export function formatDimension(d: ProfileDimension): string {
  switch (d.kind) {
    case 'fixed':
      return String(d.value);
    case 'range':
      return `${d.min}..${d.max}${d.step === undefined ? '' : ` step ${d.step}`}`;
    case 'enum':
      return d.values.join('|');
  }
}

export function formatTags(tags: Tags | undefined): string {
  if (tags === undefined) return '';
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function formatAddresses(addresses: readonly InstanceAddress[] | undefined): string {
  if (addresses === undefined || addresses.length === 0) return '';
  // The public address first: it is the one a user wants to ssh to.
  const sorted = [...addresses].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'public' ? -1 : 1));
  return sorted.map((a) => a.address).join(',');
}

/** ISO time as `2024-05-01 12:00:03` (UTC, seconds): sortable and short enough for tables. */
export function formatTime(iso: string | undefined): string {
  if (iso === undefined) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

/** `3s ago`, `5m ago`, `2h ago`, `4d ago`, for "last sync" style columns. */
export function formatAge(iso: string | undefined, now = Date.now()): string {
  if (iso === undefined) return 'never';
  const ms = now - new Date(iso).getTime();
  if (Number.isNaN(ms)) return iso;
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

export function yesNo(value: boolean | undefined): string {
  return value === true ? 'yes' : 'no';
}

/** A value from an error's details, for the one `details` line. */
export function formatDetailValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(formatDetailValue).join(', ');
  if (isDimension(value)) return formatDimension(value);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function isDimension(value: unknown): value is ProfileDimension {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'fixed' || kind === 'range' || kind === 'enum';
}
