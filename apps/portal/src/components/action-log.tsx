/** The long actions started on a page (202 + operation), each with its live progress. */
import { useState } from 'react';
import type { Operation } from '@skyport/model';
import { OperationProgress } from './operation-progress.js';
import { ExportProgress } from '../appliances/export-ova.js';

/** Operations whose success leaves a file to download. */
const EXPORTS = new Set(['image.export', 'instance.export']);

export function useActionLog(): [readonly Operation[], (operation: Operation) => void] {
  const [operations, setOperations] = useState<readonly Operation[]>([]);
  // The latest five: older ones are in each resource's history.
  return [operations, (operation) => setOperations((current) => [operation, ...current].slice(0, 5))];
}

export function ActionLog({ operations }: { readonly operations: readonly Operation[] }) {
  if (operations.length === 0) return null;
  return (
    <aside className="action-log" aria-label="Recent actions">
      <h2>Recent actions</h2>
      {operations.map((operation) =>
        EXPORTS.has(operation.type) ? <ExportProgress key={operation.id} operation={operation} /> : <OperationProgress key={operation.id} operation={operation} />,
      )}
    </aside>
  );
}
