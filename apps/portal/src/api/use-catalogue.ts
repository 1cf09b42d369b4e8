/** What almost every page needs: the providers and the instance state machine. */
import { useCallback } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { InstanceState, InstanceStateInfo } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from './query-keys.js';

export function useProviders() {
  const client = useClient();
  return useQuery({ queryKey: queryKeys.providers(), queryFn: () => client.providers.list() });
}

/** A provider's name by its id (the id itself while the list loads or when unknown). */
export function useProviderName(): (providerId: string) => string {
  const { data } = useProviders();
  return useCallback((providerId: string) => data?.find((p) => p.id === providerId)?.name ?? providerId, [data]);
}

/**
 * The broker's state machine (`GET /instance-states`): which states are transitional and
 * which actions each accepts. Read from the broker, not built in, so the portal offers
 * exactly what the API will accept.
 */
export function useInstanceStates(): ReadonlyMap<InstanceState, InstanceStateInfo> | undefined {
  const client = useClient();
  const { data } = useQuery({
    queryKey: queryKeys.instanceStates(),
    queryFn: async () => new Map((await client.instanceStates()).map((info) => [info.state, info] as const)),
    staleTime: Infinity,
  });
  return data;
}
