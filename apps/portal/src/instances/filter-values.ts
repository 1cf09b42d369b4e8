/** The inventory's text filters as the API's list parameters (no DOM: unit-tested in Node). */

/** `env=prod, team` → `{ env: 'prod', team: null }` (all must match), or undefined when empty. */
export function parseTagFilter(text: string): Record<string, string | null> | undefined {
  const tags: Record<string, string | null> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq === -1) tags[part] = null;
    else tags[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return Object.keys(tags).length === 0 ? undefined : tags;
}

/** What the user typed as a name, as the API's filter: a prefix unless it already is one. */
export function nameFilter(text: string): string | undefined {
  const name = text.trim();
  if (name === '') return undefined;
  return name.endsWith('*') ? name : `${name}*`;
}
