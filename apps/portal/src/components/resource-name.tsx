/** A referenced resource (image, profile, location, group) by its name, with the id on hover. */
import { useQuery } from '@tanstack/react-query';
import type { SkyportClient } from '@skyport/client';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';

type NamedKind = 'image' | 'hardwareProfile' | 'location' | 'securityGroup';

const GETTERS: Readonly<Record<NamedKind, (client: SkyportClient, id: string) => Promise<{ readonly name: string }>>> = {
  image: (client, id) => client.images.get(id),
  hardwareProfile: (client, id) => client.hardwareProfiles.get(id),
  location: (client, id) => client.locations.get(id),
  securityGroup: (client, id) => client.securityGroups.get(id),
};

export function ResourceName({ kind, id }: { readonly kind: NamedKind; readonly id: string }) {
  const client = useClient();
  // A reference may outlive what it names (a deregistered image): then the id is shown.
  const { data } = useQuery({ queryKey: queryKeys.detail(kind, id), queryFn: () => GETTERS[kind](client, id), retry: false, staleTime: 5 * 60_000 });
  return <span title={id}>{data?.name ?? <span className="mono">{id}</span>}</span>;
}
