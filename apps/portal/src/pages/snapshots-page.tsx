/** Snapshots of every provider's volumes: create from a volume, delete, with progress. */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { Operation, Snapshot } from '@skyport/model';
import { useClient, useRights } from '../session/session-provider.js';
import { useProviderName } from '../api/use-catalogue.js';
import { providerParams, usePagedList } from '../api/use-paged-list.js';
import { queryKeys } from '../api/query-keys.js';
import { isAboutField } from '../api/errors.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { Field } from '../components/field.js';
import { ProviderFilter } from '../components/provider-filter.js';
import { DataTable } from '../components/data-table.js';
import { Pager } from '../components/pager.js';
import { RelativeTime } from '../components/relative-time.js';
import { StateBadge } from '../components/state-badge.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ActionLog, useActionLog } from '../components/action-log.js';

export function SnapshotsPage() {
  const client = useClient();
  const { canChange } = useRights();
  const providerName = useProviderName();
  const [provider, setProvider] = useState('');
  const [operations, started] = useActionLog();
  const { list, rows, pager } = usePagedList('snapshot', providerParams(provider), (q) => client.snapshots.list(q));
  const remove = useMutation({ mutationFn: (id: string) => client.snapshots.delete(id), onSuccess: started });

  return (
    <section>
      <PageTitle title="Snapshots">Snapshots</PageTitle>
      {canChange ? <CreateSnapshot onStarted={started} /> : null}
      <ActionLog operations={operations} />
      <ProviderFilter value={provider} onChange={setProvider} />
      <ErrorText error={list.error ?? remove.error} />
      <DataTable<Snapshot>
        caption="Snapshots"
        rows={rows}
        loading={list.isPending}
        empty="No snapshots."
        columns={[
          { label: 'Name', render: (s) => s.name },
          { label: 'State', render: (s) => <StateBadge state={s.state} transitional={s.state === 'pending'} /> },
          { label: 'Progress', numeric: true, render: (s) => `${s.progress}%` },
          { label: 'Provider', render: (s) => providerName(s.providerId) },
          { label: 'Volume', render: (s) => <span className="mono small">{s.volumeId}</span> },
          { label: 'Size', numeric: true, render: (s) => `${s.sizeGiB} GiB` },
          { label: 'Created', render: (s) => <RelativeTime at={s.createdAt} /> },
          ...(canChange
            ? [{ label: 'Actions', render: (s: Snapshot) => <ConfirmButton question={`Delete ${s.name}?`} onConfirm={() => remove.mutate(s.id)}>Delete</ConfirmButton> }]
            : []),
        ]}
      />
      <Pager noun="snapshots" {...pager} />
    </section>
  );
}

function CreateSnapshot({ onStarted }: { readonly onStarted: (operation: Operation) => void }) {
  const client = useClient();
  const [volumeId, setVolumeId] = useState('');
  const [name, setName] = useState('');
  const params = { limit: 1000 };
  const volumes = useQuery({ queryKey: queryKeys.list('volume', params), queryFn: () => client.volumes.list(params) });
  const create = useMutation({
    mutationFn: () => client.snapshots.create({ volumeId, name: name.trim() }),
    onSuccess: (operation) => {
      setName('');
      onStarted(operation);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const error = create.error;
  const placed = isAboutField(error, 'volumeId') || isAboutField(error, 'name');
  return (
    <details className="card create-panel">
      <summary>New snapshot</summary>
      <form onSubmit={submit} noValidate aria-label="New snapshot">
        <div className="filter-row">
          <Field label="Volume" error={isAboutField(error, 'volumeId') ? error : undefined}>
            {(control) => (
              <select {...control} value={volumeId} onChange={(e) => setVolumeId(e.target.value)}>
                <option value="">Choose a volume…</option>
                {(volumes.data?.items ?? []).map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name} ({v.sizeGiB} GiB, {v.state})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Name" error={isAboutField(error, 'name') ? error : undefined}>
            {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
        </div>
        {placed ? null : <ErrorText error={error} />}
        <button type="submit" className="primary" disabled={create.isPending || volumeId === '' || name.trim() === ''}>
          Create snapshot
        </button>
      </form>
    </details>
  );
}
