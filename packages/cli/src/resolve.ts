/**
 * Names where the API wants ids. The broker resolves provider names and hardware profile
 * names itself; images and zones it takes by id only, so the CLI looks a name up in the
 * provider's inventory first (users remember `debian-12`, not `ami-…`).
 */
import { ID_PREFIX, SkyportError } from '@skyport/model';
import type { Page, SkyportClient } from '@skyport/client';

type Lookup = (query: { provider: string; name: string; limit: number }) => Promise<Page<{ id: string; name: string }>>;

async function byIdOrName(value: string, prefix: string, provider: string, noun: string, listCommand: string, list: Lookup): Promise<string> {
  if (new RegExp(`^${prefix}-[0-9a-f]{17}$`).test(value)) return value;
  const page = await list({ provider, name: value, limit: 2 });
  const [first, second] = page.items;
  if (first === undefined) {
    throw new SkyportError('NotFound', `no ${noun} named "${value}" in provider ${provider}; list them with: skyport ${listCommand} --provider ${provider}`, {
      details: { field: noun, value },
    });
  }
  if (second !== undefined) {
    throw new SkyportError('InvalidArgument', `more than one ${noun} is named "${value}" in provider ${provider} (${first.id}, ${second.id}, ...); give the id`, {
      details: { field: noun, value },
    });
  }
  return first.id;
}

export function resolveImage(client: SkyportClient, provider: string, value: string): Promise<string> {
  return byIdOrName(value, ID_PREFIX.image, provider, 'image', 'images list', (q) => client.images.list(q));
}

export function resolveLocation(client: SkyportClient, provider: string, value: string): Promise<string> {
  return byIdOrName(value, ID_PREFIX.location, provider, 'location', 'locations list', (q) => client.locations.list(q));
}

export function resolveSecurityGroup(client: SkyportClient, provider: string, value: string): Promise<string> {
  return byIdOrName(value, ID_PREFIX.securityGroup, provider, 'security group', 'security-groups list', (q) => client.securityGroups.list(q));
}

/** A group given on its own: an id, or a name when the provider is given too. */
export function resolveGroupArgument(client: SkyportClient, provider: string | undefined, value: string): Promise<string> {
  if (new RegExp(`^${ID_PREFIX.securityGroup}-[0-9a-f]{17}$`).test(value)) return Promise.resolve(value);
  if (provider === undefined) {
    throw new SkyportError('InvalidArgument', `"${value}" is not a security group id (sg-…); give the id, or --provider with a name`, { details: { field: 'security group', value } });
  }
  return resolveSecurityGroup(client, provider, value);
}
