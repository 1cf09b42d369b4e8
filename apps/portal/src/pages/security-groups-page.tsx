/** Security groups of every provider: create, delete, and their inbound/outbound rules. */
import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { SecurityGroup } from '@skyport/model';
import { useClient, useRights } from '../session/session-provider.js';
import { useProviderName, useProviders } from '../api/use-catalogue.js';
import { providerParams, usePagedList } from '../api/use-paged-list.js';
import { isAboutField } from '../api/errors.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { Field } from '../components/field.js';
import { ProviderSelect } from '../components/provider-select.js';
import { ProviderFilter } from '../components/provider-filter.js';
import { DataTable } from '../components/data-table.js';
import { Pager } from '../components/pager.js';
import { RelativeTime } from '../components/relative-time.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { SecurityGroupRules } from './security-group-rules.js';

export function SecurityGroupsPage() {
  const client = useClient();
  const { canChange } = useRights();
  const providerName = useProviderName();
  const [provider, setProvider] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const { list, rows, pager } = usePagedList('securityGroup', providerParams(provider), (q) => client.securityGroups.list(q));
  const remove = useMutation({ mutationFn: (id: string) => client.securityGroups.delete(id), onSuccess: () => void list.refetch() });
  const shown = rows.find((g) => g.id === open);

  return (
    <section>
      <PageTitle title="Security groups">Security groups</PageTitle>
      {canChange ? (
        <CreateSecurityGroup
          onCreated={(group) => {
            void list.refetch();
            setOpen(group.id);
          }}
        />
      ) : null}
      <ProviderFilter value={provider} onChange={setProvider} />
      <ErrorText error={list.error ?? remove.error} />
      <DataTable<SecurityGroup>
        caption="Security groups"
        rows={rows}
        loading={list.isPending}
        empty="No security groups."
        columns={[
          { label: 'Name', render: (g) => g.name },
          { label: 'Provider', render: (g) => providerName(g.providerId) },
          { label: 'Description', render: (g) => g.description },
          { label: 'Inbound', numeric: true, render: (g) => g.ingress.length },
          { label: 'Outbound', numeric: true, render: (g) => g.egress.length },
          { label: 'Created', render: (g) => <RelativeTime at={g.createdAt} /> },
          {
            label: 'Actions',
            render: (g: SecurityGroup) => (
              <div className="button-row">
                <button type="button" aria-expanded={open === g.id} onClick={() => setOpen(open === g.id ? null : g.id)}>
                  Rules
                </button>
                {canChange ? (
                  <ConfirmButton question={`Delete ${g.name}?`} onConfirm={() => remove.mutate(g.id)}>
                    Delete
                  </ConfirmButton>
                ) : null}
              </div>
            ),
          },
        ]}
      />
      <Pager noun="security groups" {...pager} />
      {shown === undefined ? null : <SecurityGroupRules group={shown} editable={canChange} onChanged={() => void list.refetch()} />}
    </section>
  );
}

function CreateSecurityGroup({ onCreated }: { readonly onCreated: (group: SecurityGroup) => void }) {
  const client = useClient();
  const { data: providers = [] } = useProviders();
  const [providerId, setProviderId] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useMutation({
    mutationFn: () => client.securityGroups.create({ providerId, name: name.trim(), description: description.trim() }),
    onSuccess: (group) => {
      setName('');
      setDescription('');
      onCreated(group);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const error = create.error;
  const about = (field: string) => (isAboutField(error, field) ? error : undefined);
  const placed = ['providerId', 'name', 'description'].some((f) => isAboutField(error, f));
  const chosen = providers.find((p) => p.id === providerId);
  return (
    <details className="card create-panel">
      <summary>New security group</summary>
      <form onSubmit={submit} noValidate aria-label="New security group">
        <div className="filter-row">
          <Field label="Provider" error={about('providerId')} hint={chosen !== undefined && chosen.capabilities.securityGroups === undefined ? `${chosen.name} has no security groups.` : undefined}>
            {(control) => <ProviderSelect control={control} value={providerId} onChange={setProviderId} />}
          </Field>
          <Field label="Name" error={about('name')}>
            {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Description" error={about('description')}>
            {(control) => <input {...control} value={description} onChange={(e) => setDescription(e.target.value)} size={32} />}
          </Field>
        </div>
        {placed ? null : <ErrorText error={error} />}
        <button type="submit" className="primary" disabled={create.isPending || providerId === '' || name.trim() === ''}>
          Create group
        </button>
      </form>
    </details>
  );
}
