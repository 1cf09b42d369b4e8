/** Encodes list queries the way the API reads them (repeated parameters, `tag=key=value`). */

type Scalar = string | number | boolean;
export type QueryValue = Scalar | readonly Scalar[] | undefined;

/** A URLSearchParams from plain values: arrays repeat the parameter, `undefined` is left out. */
export function searchParams(values: Readonly<Record<string, QueryValue>>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const list: readonly Scalar[] = Array.isArray(value) ? value : [value as Scalar];
    for (const item of list) params.append(name, String(item));
  }
  return params;
}

/** `{ env: 'prod', team: null }` → `['env=prod', 'team']` (the `tag` parameter). */
export function tagParams(tags: Readonly<Record<string, string | null>> | undefined): string[] | undefined {
  if (tags === undefined) return undefined;
  return Object.entries(tags).map(([key, value]) => (value === null ? key : `${key}=${value}`));
}
