/**
 * A new migration plan: name, source and target providers, the instances (picked, or every
 * one with some tags), and options. Mappings are left to the broker's proposals here; the
 * plan's page shows them, with preflight, and lets them be changed before the run.
 */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { DEFAULT_MIGRATION_OPTIONS, type MigrationOptions } from '@skyport/model';
import type { CreateMigrationPlanRequest } from '@skyport/client';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { isAboutField } from '../api/errors.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { Field } from '../components/field.js';
import { ProviderSelect } from '../components/provider-select.js';
import { StateBadge } from '../components/state-badge.js';
import { navigate } from '../router/router.js';
import { nameFilter, parseTagFilter } from '../instances/filter-values.js';
import { OptionsFields } from './options-fields.js';

export function NewPlanPage() {
  const client = useClient();
  const [name, setName] = useState('');
  const [source, setSource] = useState('');
  const [target, setTarget] = useState('');
  const [by, setBy] = useState<'instances' | 'tags'>('instances');
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const [tags, setTags] = useState('');
  const [options, setOptions] = useState<MigrationOptions>(DEFAULT_MIGRATION_OPTIONS);

  const create = useMutation({
    mutationFn: (request: CreateMigrationPlanRequest) => client.migrations.create(request),
    onSuccess: (plan) => navigate(`/migrations/${encodeURIComponent(plan.id)}`),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const selector = parseTagFilter(tags);
    create.mutate({
      name: name.trim(),
      sourceProviderId: source,
      targetProviderId: target,
      ...(by === 'instances' ? { instanceIds: [...picked] } : selector === undefined ? {} : { selector: { tags: selector } }),
      options,
    });
  };
  const error = create.error;
  const about = (field: string) => (isAboutField(error, field) ? error : undefined);
  const placed = ['name', 'sourceProviderId', 'targetProviderId', 'instanceIds', 'selector', 'options'].some((f) => isAboutField(error, f));

  return (
    <section>
      <PageTitle title="New migration plan">New migration plan</PageTitle>
      <form className="card wizard-body" onSubmit={submit} noValidate aria-label="New migration plan">
        <Field label="Plan name" error={about('name')}>
          {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <div className="filter-row">
          <Field label="From provider" error={about('sourceProviderId')}>
            {(control) => (
              <ProviderSelect
                control={control}
                value={source}
                onChange={(id) => {
                  setSource(id);
                  setPicked(new Set());
                }}
              />
            )}
          </Field>
          <Field label="To provider" error={about('targetProviderId')}>
            {(control) => <ProviderSelect control={control} value={target} onChange={setTarget} />}
          </Field>
        </div>
        <fieldset className="plain-fieldset">
          <legend>Instances to move</legend>
          <label className="check">
            <input type="radio" name="by" checked={by === 'instances'} onChange={() => setBy('instances')} /> Pick instances
          </label>
          <label className="check">
            <input type="radio" name="by" checked={by === 'tags'} onChange={() => setBy('tags')} /> Every instance with tags
          </label>
          {by === 'instances' ? (
            source === '' ? (
              <p className="hint">Choose the provider to move from first.</p>
            ) : (
              <InstancePicker providerId={source} picked={picked} onChange={setPicked} error={about('instanceIds')} />
            )
          ) : (
            <Field label="Tags" hint="key=value or key; commas between (all must match), chosen when the plan is created" error={about('selector')}>
              {(control) => <input {...control} value={tags} placeholder="app=shop" onChange={(e) => setTags(e.target.value)} />}
            </Field>
          )}
        </fieldset>
        <OptionsFields options={options} onChange={setOptions} error={error} />
        {placed ? null : <ErrorText error={error} />}
        <div className="wizard-nav">
          <span className="muted small">Mappings are proposed by the broker; check them and the preflight on the next page.</span>
          <button type="submit" className="primary" disabled={create.isPending || name.trim() === '' || source === '' || target === ''}>
            Create plan
          </button>
        </div>
      </form>
    </section>
  );
}

/** The source provider's instances by name (the first 200 that match), as checkboxes. */
function InstancePicker({
  providerId,
  picked,
  onChange,
  error,
}: {
  readonly providerId: string;
  readonly picked: ReadonlySet<string>;
  readonly onChange: (picked: ReadonlySet<string>) => void;
  readonly error: unknown;
}) {
  const client = useClient();
  const [filter, setFilter] = useState('');
  const name = nameFilter(filter);
  const params = { provider: providerId, limit: 200, state: ['running', 'stopped'] as const, fields: ['name', 'state', 'cpus', 'memoryMiB'] as const, ...(name === undefined ? {} : { name }) };
  const instances = useQuery({
    queryKey: queryKeys.list('instance', params),
    queryFn: () => client.instances.list({ ...params, state: [...params.state], fields: [...params.fields] }),
  });
  const toggle = (id: string, on: boolean) => {
    const next = new Set(picked);
    if (on) next.add(id);
    else next.delete(id);
    onChange(next);
  };
  const items = instances.data?.items ?? [];
  return (
    <div className="instance-picker">
      <Field label="Find instances" hint={`${picked.size} picked; running and stopped instances are listed.`} error={error}>
        {(control) => <input {...control} type="search" value={filter} placeholder="name starts with…" onChange={(e) => setFilter(e.target.value)} />}
      </Field>
      <ErrorText error={instances.error} />
      <ul className="plain picker-list">
        {items.map((instance) => (
          <li key={instance.id}>
            <label className="check">
              <input type="checkbox" checked={picked.has(instance.id)} onChange={(e) => toggle(instance.id, e.target.checked)} />
              {instance.name} <StateBadge state={instance.state} /> <span className="muted small">{instance.cpus} vCPU</span>
            </label>
          </li>
        ))}
      </ul>
      {instances.isSuccess && items.length === 0 ? <p className="muted">No running or stopped instance matches.</p> : null}
    </div>
  );
}
