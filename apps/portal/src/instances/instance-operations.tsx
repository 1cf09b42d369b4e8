/** The latest operations on one resource, each with live progress (operation events patch this list). */
import { useQuery } from '@tanstack/react-query';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { ErrorText } from '../components/error-text.js';
import { OperationLine } from '../components/operation-progress.js';
import { RelativeTime } from '../components/relative-time.js';

export function InstanceOperations({ targetId }: { readonly targetId: string }) {
  const client = useClient();
  const operations = useQuery({ queryKey: queryKeys.operationsOf(targetId), queryFn: () => client.operations.list({ target: targetId, limit: 10 }) });
  const items = operations.data?.items ?? [];
  return (
    <div>
      <ErrorText error={operations.error} />
      {operations.isSuccess && items.length === 0 ? <p className="muted">No operations.</p> : null}
      <ol className="operations">
        {items.map((operation) => (
          <li key={operation.id}>
            <OperationLine operation={operation} />
            <span className="muted small">
              <RelativeTime at={operation.createdAt} />
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}
