/**
 * A long action (202 + operation) as the user follows it: a progress bar and the broker's
 * message, kept current by `operation.updated` events; a failure shows the API's words.
 */
import { isOperationDone, type Operation } from '@skyport/model';
import { useOperation } from './use-operation.js';

export function OperationProgress({ operation }: { readonly operation: Operation }) {
  return <OperationLine operation={useOperation(operation)} />;
}

export function OperationLine({ operation }: { readonly operation: Operation }) {
  const done = isOperationDone(operation.status);
  return (
    <div className={`operation operation-${operation.status}`} data-operation={operation.id}>
      <div className="operation-head">
        <span className="operation-type">{operation.type}</span>
        <span className={`badge op-${operation.status}`}>{operation.status}</span>
      </div>
      <progress max={100} value={operation.progress} aria-label={`${operation.type} progress`}>
        {operation.progress}%
      </progress>
      {operation.error !== undefined ? (
        <p className="error-text" role="alert">
          <span className="error-code">{operation.error.code}</span>
          {operation.error.message}
        </p>
      ) : operation.message !== undefined && !done ? (
        <p className="muted small">{operation.message}</p>
      ) : null}
    </div>
  );
}
