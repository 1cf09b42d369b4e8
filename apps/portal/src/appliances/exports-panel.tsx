/**
 * The tenant's OVAs that can still be downloaded (`GET /exports`), newest first: exports
 * started anywhere (this page, an instance's page, the CLI) stay reachable until they expire.
 * A finished export on the event stream refreshes the list.
 */
import { useQuery } from '@tanstack/react-query';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { ErrorText } from '../components/error-text.js';
import { RelativeTime } from '../components/relative-time.js';
import { ExportFile } from './export-download.js';

export function ExportsPanel() {
  const client = useClient();
  const list = useQuery({ queryKey: queryKeys.exports(), queryFn: () => client.exports.list() });
  const items = list.data ?? [];
  return (
    <article className="card" aria-labelledby="exports-heading">
      <h2 id="exports-heading">Exported OVAs</h2>
      <ErrorText error={list.error} />
      {list.isSuccess && items.length === 0 ? <p className="muted small">No exports to download. Export an image or a stopped instance as an OVA.</p> : null}
      <ul className="plain-list">
        {items.map((e) => (
          <li key={e.operationId} data-export={e.operationId}>
            <p className="muted small">
              From {e.source.kind} <span className="mono">{e.source.id}</span>, made <RelativeTime at={e.createdAt} />
            </p>
            <ExportFile exportId={e.operationId} file={e} />
          </li>
        ))}
      </ul>
    </article>
  );
}
