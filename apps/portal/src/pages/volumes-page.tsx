/** Volumes of every provider: create (optionally from a snapshot), attach, detach, delete, with progress. */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { Operation, Volume } from '@skyport/model';
import { useClient, useRights } from '../session/session-provider.js';
import { useProviderName } from '../api/use-catalogue.js';
import { providerParams, usePagedList } from '../api/use-paged-list.js';
import { queryKeys } from '../api/query-keys.js';
import { isAboutField } from '../api/errors.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { Field } from '../components/field.js';
import { ProviderSelect } from '../components/provider-select.js';
import { ProviderFilter } from '../components/provider-filter.js';
import { DataTable } from '../components/data-table.js';
import { Pager } from '../components/pager.js';
import { RelativeTime } from '../components/relative-time.js';
import { StateBadge } from '../components/state-badge.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ActionLog, useActionLog } from '../components/action-log.js';
import { Link } from '../router/router.js';

const TRANSITIONAL = new Set(['creating', 'attaching', 'detaching', 'deleting']);

export function VolumesPage() {
  const client = useClient();
  const { canChange } = useRights();
  const providerName = useProviderName();
  const [provider, setProvider] = useState('');
  const [operations, started] = useActionLog();
  const { list, rows, pager } = usePagedList('volume', providerParams(provider), (q) => client.volumes.list(q));
  const act = useMutation({ mutationFn: (run: () => Promise<Operation>) => run(), onSuccess: started });

  return (
    <section>
      <PageTitle title="Volumes">Volumes</PageTitle>
      {canChange ? <CreateVolume onStarted={started} /> : null}
      <ActionLog operations={operations} />
      <ProviderFilter value={provider} onChange={setProvider} />
      <ErrorText error={list.error ?? act.error} />
      <DataTable<Volume>
        caption="Volumes"
        rows={rows}
        loading={list.isPending}
        empty="No volumes."
        columns={[
          { label: 'Name', render: (v) => v.name },
          { label: 'State', render: (v) => <StateBadge state={v.state} transitional={TRANSITIONAL.has(v.state)} /> },
          { label: 'Provider', render: (v) => providerName(v.providerId) },
          { label: 'Size', numeric: true, render: (v) => `${v.sizeGiB} GiB` },
          {
            label: 'Attached to',
            render: (v) =>
              v.attachment === undefined ? (
                <span className="muted">—</span>
              ) : (
                <>
                  <Link to={`/instances/${encodeURIComponent(v.attachment.instanceId)}`}>{v.attachment.instanceId}</Link> <span className="mono small">{v.attachment.device}</span>
                </>
              ),
          },
          { label: 'Created', render: (v) => <RelativeTime at={v.createdAt} /> },
          ...(canChange
            ? [
                {
                  label: 'Actions',
                  render: (v: Volume) => (
                    <div className="button-row">
                      {v.state === 'available' ? <AttachForm volume={v} onAttach={(instanceId) => act.mutate(() => client.volumes.attach(v.id, instanceId))} /> : null}
                      {v.state === 'in-use' ? (
                        <button type="button" onClick={() => act.mutate(() => client.volumes.detach(v.id))}>
                          Detach
                        </button>
                      ) : null}
                      {v.state === 'available' || v.state === 'error' ? (
                        <ConfirmButton question={`Delete ${v.name}?`} onConfirm={() => act.mutate(() => client.volumes.delete(v.id))}>
                          Delete
                        </ConfirmButton>
                      ) : null}
                    </div>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Pager noun="volumes" {...pager} />
    </section>
  );
}

/** Attach to an instance of the same provider, chosen by name from its first instances or by id. */
function AttachForm({ volume, onAttach }: { readonly volume: Volume; readonly onAttach: (instanceId: string) => void }) {
  const client = useClient();
  const [instanceId, setInstanceId] = useState('');
  const params = { provider: volume.providerId, state: ['running', 'stopped'] as const, limit: 200, fields: ['name'] as const };
  const instances = useQuery({ queryKey: queryKeys.list('instance', params), queryFn: () => client.instances.list({ ...params, state: [...params.state], fields: [...params.fields] }) });
  const listId = `attach-${volume.id}`;
  return (
    <form
      className="inline-form compact"
      aria-label={`Attach ${volume.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (instanceId.trim() !== '') onAttach(instanceId.trim());
      }}
    >
      <label className="visually-hidden" htmlFor={`${listId}-input`}>
        Instance id to attach {volume.name} to
      </label>
      <input id={`${listId}-input`} list={listId} placeholder="instance id" value={instanceId} onChange={(e) => setInstanceId(e.target.value)} size={18} />
      <datalist id={listId}>
        {(instances.data?.items ?? []).map((i) => (
          <option key={i.id} value={i.id}>
            {i.name}
          </option>
        ))}
      </datalist>
      <button type="submit">Attach</button>
    </form>
  );
}

function CreateVolume({ onStarted }: { readonly onStarted: (operation: Operation) => void }) {
  const client = useClient();
  const [providerId, setProviderId] = useState('');
  const [name, setName] = useState('');
  const [size, setSize] = useState('10');
  const [locationId, setLocationId] = useState('');
  const [snapshotId, setSnapshotId] = useState('');
  const params = { provider: providerId, limit: 1000 };
  const zones = useQuery({ queryKey: queryKeys.list('location', params), queryFn: () => client.locations.list(params), enabled: providerId !== '' });
  const snapshots = useQuery({ queryKey: queryKeys.list('snapshot', params), queryFn: () => client.snapshots.list(params), enabled: providerId !== '' });
  const create = useMutation({
    mutationFn: () =>
      client.volumes.create({
        providerId,
        name: name.trim(),
        sizeGiB: Number(size),
        ...(locationId === '' ? {} : { locationId }),
        ...(snapshotId === '' ? {} : { snapshotId }),
      }),
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
  const about = (field: string) => (isAboutField(error, field) ? error : undefined);
  const placed = ['providerId', 'name', 'sizeGiB', 'locationId', 'snapshotId'].some((f) => isAboutField(error, f));
  return (
    <details className="card create-panel">
      <summary>New volume</summary>
      <form onSubmit={submit} noValidate aria-label="New volume">
        <div className="filter-row">
          <Field label="Provider" error={about('providerId')}>
            {(control) => <ProviderSelect control={control} value={providerId} onChange={setProviderId} />}
          </Field>
          <Field label="Name" error={about('name')}>
            {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Size (GiB)" error={about('sizeGiB')}>
            {(control) => <input {...control} inputMode="numeric" value={size} onChange={(e) => setSize(e.target.value)} size={6} />}
          </Field>
          <Field label="Zone" error={about('locationId')}>
            {(control) => (
              <select {...control} value={locationId} onChange={(e) => setLocationId(e.target.value)}>
                <option value="">Any</option>
                {(zones.data?.items ?? [])
                  .filter((l) => l.kind === 'zone')
                  .map((l) => (
                    <option key={l.id} value={l.id}>
                      {l.name}
                    </option>
                  ))}
              </select>
            )}
          </Field>
          <Field label="From snapshot" error={about('snapshotId')}>
            {(control) => (
              <select {...control} value={snapshotId} onChange={(e) => setSnapshotId(e.target.value)}>
                <option value="">None (empty)</option>
                {(snapshots.data?.items ?? []).map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({s.sizeGiB} GiB)
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        {placed ? null : <ErrorText error={error} />}
        <button type="submit" className="primary" disabled={create.isPending || providerId === '' || name.trim() === ''}>
          Create volume
        </button>
      </form>
    </details>
  );
}
