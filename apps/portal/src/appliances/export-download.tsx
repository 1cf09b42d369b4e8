/**
 * The OVA an export made: its file, size and checksum, a download and a delete. A cookie
 * session downloads by plain link (the browser streams it to disk); a typed-in token cannot
 * ride on a link, so the client fetches the file and hands it to the browser.
 */
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { Operation } from '@skyport/model';
import { useQueryClient } from '@tanstack/react-query';
import { queryKeys } from '../api/query-keys.js';
import { useClient, useSession } from '../session/session-provider.js';
import { ErrorText } from '../components/error-text.js';
import { RelativeTime } from '../components/relative-time.js';
import { formatBytes } from '../components/format-bytes.js';

/** What an export made, from its operation's result or from the list of exports. */
export interface ExportFileInfo {
  readonly fileName?: string;
  readonly sizeBytes?: number;
  readonly sha256?: string;
  readonly expiresAt?: string;
}

/** The export a finished operation made. */
export function ExportDownload({ operation }: { readonly operation: Operation }) {
  return <ExportFile exportId={operation.id} file={(operation.result ?? {}) as ExportFileInfo} finishedAt={operation.finishedAt} />;
}

/** One export: its file, a download and a delete. */
export function ExportFile({ exportId, file: result, finishedAt }: { readonly exportId: string; readonly file: ExportFileInfo; readonly finishedAt?: string | undefined }) {
  const client = useClient();
  const queryClient = useQueryClient();
  const { token } = useSession();
  const [deleted, setDeleted] = useState(false);
  const href = `/api/v1/exports/${encodeURIComponent(exportId)}`;
  const fetchIt = useMutation({
    mutationFn: async () => {
      const download = await client.exports.download(exportId);
      const url = URL.createObjectURL(await new Response(download.body).blob());
      const link = Object.assign(document.createElement('a'), { href: url, download: download.fileName });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
  });
  const remove = useMutation({
    mutationFn: () => client.exports.delete(exportId),
    onSuccess: () => {
      setDeleted(true);
      void queryClient.invalidateQueries({ queryKey: queryKeys.exports() });
    },
  });
  if (deleted) return <p className="muted small">The OVA was deleted.</p>;
  return (
    <div className="export-file">
      <p className="small">
        <strong>{result.fileName ?? `${exportId}.ova`}</strong> · {formatBytes(result.sizeBytes)}
        {result.expiresAt === undefined ? null : (
          <>
            {' '}
            · kept until <time dateTime={result.expiresAt}>{new Date(result.expiresAt).toLocaleString()}</time>
          </>
        )}
        {result.sha256 === undefined ? null : <span className="mono muted block"> sha256 {result.sha256}</span>}
      </p>
      <div className="button-row">
        {token === undefined ? (
          <a className="button primary" href={href} download={result.fileName ?? true}>
            Download OVA
          </a>
        ) : (
          <button type="button" className="primary" onClick={() => fetchIt.mutate()} disabled={fetchIt.isPending}>
            {fetchIt.isPending ? 'Downloading…' : 'Download OVA'}
          </button>
        )}
        <button type="button" className="quiet" onClick={() => remove.mutate()} disabled={remove.isPending}>
          Delete the file
        </button>
      </div>
      <ErrorText error={fetchIt.error ?? remove.error} />
      {finishedAt === undefined ? null : (
        <p className="muted small">
          Finished <RelativeTime at={finishedAt} />.
        </p>
      )}
    </div>
  );
}
