import { useQuery } from '@tanstack/react-query';
import type { Operation } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';

/** An operation as it moves: seeded with the answer that started it, then kept current by `operation.updated` events. */
export function useOperation(operation: Operation): Operation {
  const client = useClient();
  const { data = operation } = useQuery({
    queryKey: queryKeys.operation(operation.id),
    queryFn: () => client.operations.get(operation.id),
    initialData: operation,
    staleTime: Infinity,
  });
  return data;
}
