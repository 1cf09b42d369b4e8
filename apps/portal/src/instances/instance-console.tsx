/** The serial console as the provider keeps it; re-read on request and when the state changes. */
import { useEffect } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { InstanceState } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { ErrorText } from '../components/error-text.js';
import { RelativeTime } from '../components/relative-time.js';

export function InstanceConsole({ id, state }: { readonly id: string; readonly state: InstanceState }) {
  const client = useClient();
  const consoleOutput = useQuery({ queryKey: queryKeys.console(id), queryFn: () => client.instances.console(id), retry: false });
  const { refetch } = consoleOutput;
  useEffect(() => {
    void refetch();
  }, [state, refetch]);
  return (
    <div className="console">
      <div className="console-head">
        <span className="muted small">{consoleOutput.data === undefined ? null : <>Captured <RelativeTime at={consoleOutput.data.timestamp} /></>}</span>
        <button type="button" className="quiet" onClick={() => void refetch()} disabled={consoleOutput.isFetching}>
          {consoleOutput.isFetching ? 'Reading…' : 'Refresh'}
        </button>
      </div>
      <ErrorText error={consoleOutput.error} />
      {consoleOutput.data === undefined ? null : (
        <pre className="console-output" tabIndex={0} aria-label="Console output">
          {consoleOutput.data.output === '' ? '(no output yet)' : consoleOutput.data.output}
        </pre>
      )}
    </div>
  );
}
