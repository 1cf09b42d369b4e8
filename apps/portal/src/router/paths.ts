/** Paths and query strings of the portal's pages (no DOM: unit-tested in Node). */

/** The parameters of `pattern` (`/instances/:id`) in `path`, or null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const have = path.replace(/\/+$/, '').split('/');
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = have[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return null;
  }
  return params;
}

/** Builds `path?query` from the given parameters, leaving out empty ones. */
export function withQuery(path: string, params: Readonly<Record<string, string | readonly string[] | undefined>>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const one of typeof value === 'string' ? [value] : value ?? []) if (one !== '') query.append(key, one);
  }
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}
