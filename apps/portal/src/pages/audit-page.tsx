/** The audit log (admins): every change and refusal, newest first, and a check of its hash chain. */
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import type { AuditEntry } from '@skyport/client';
import { useClient, useRights } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { useCursorPages } from '../api/use-cursor-pages.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { DataTable } from '../components/data-table.js';
import { Pager } from '../components/pager.js';
import { RelativeTime } from '../components/relative-time.js';

export function AuditPage() {
  const client = useClient();
  const { isAdmin } = useRights();
  const pages = useCursorPages('audit');
  const list = useQuery({
    queryKey: queryKeys.audit(pages.cursor),
    queryFn: () => client.audit.list({ limit: 100, ...(pages.cursor === undefined ? {} : { cursor: pages.cursor }) }),
    placeholderData: keepPreviousData,
    enabled: isAdmin,
    // Entries are not on the event stream; re-read while the page is open.
    refetchInterval: 10_000,
  });
  const verify = useMutation({ mutationFn: () => client.audit.verify() });
  const rows = (list.data?.items ?? []).map((entry) => ({ ...entry, id: String(entry.seq) }));
  const nextCursor = list.data?.nextCursor;

  return (
    <section>
      <PageTitle
        title="Audit log"
        actions={
          <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending || !isAdmin}>
            {verify.isPending ? 'Verifying…' : 'Verify the chain'}
          </button>
        }
      >
        Audit log
      </PageTitle>
      {!isAdmin ? <p className="notice">The audit log is for admins.</p> : null}
      {verify.data === undefined ? null : (
        <p className={verify.data.ok ? 'notice ok' : 'error-text'} role="status">
          {verify.data.ok ? `The chain of ${verify.data.entries.toLocaleString()} entries is intact.` : `Broken at entry ${verify.data.brokenAt ?? '?'}: ${verify.data.reason ?? ''}`}
        </p>
      )}
      <ErrorText error={list.error ?? verify.error} />
      <DataTable<AuditEntry & { id: string }>
        caption="Audit log, newest first"
        rows={rows}
        loading={list.isPending && isAdmin}
        empty="No entries."
        columns={[
          { label: '#', numeric: true, render: (e) => e.seq },
          { label: 'When', render: (e) => <RelativeTime at={e.at} /> },
          { label: 'Who', render: (e) => `${e.actor.userName} (${e.actor.via})` },
          { label: 'Door', render: (e) => e.door },
          { label: 'Address', render: (e) => <span className="mono small">{e.address ?? '—'}</span> },
          { label: 'Action', render: (e) => <span className="mono">{e.action}</span> },
          { label: 'Target', render: (e) => (e.target === undefined ? '—' : <span className="mono small">{e.target.id}</span>) },
          { label: 'Result', render: (e) => <span className={`badge result-${e.result}`}>{e.result === 'failure' ? `failure${e.errorCode === undefined ? '' : `: ${e.errorCode}`}` : 'success'}</span> },
        ]}
      />
      <Pager noun="audit entries" page={pages.page} hasNext={nextCursor !== undefined} busy={list.isFetching} onPrevious={pages.previous} onNext={() => nextCursor !== undefined && pages.next(nextCursor)} />
    </section>
  );
}
