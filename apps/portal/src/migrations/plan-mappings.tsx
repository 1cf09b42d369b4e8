/**
 * A plan's mappings: what the user chose and, where they chose nothing, what the broker
 * proposed (nearest profile, same-named key pair, default group). A draft's mappings can be
 * changed in place (`PATCH /migrations/{id}`) until its first run.
 */
import { useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DiskFormat, MigrationMappings, MigrationPlan } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { ErrorText } from '../components/error-text.js';
import { ResourceName } from '../components/resource-name.js';

const DISK_FORMATS: readonly DiskFormat[] = ['qcow2', 'raw', 'vmdk', 'vhd', 'vhdx'];

type RecordKind = 'hardwareProfiles' | 'locations' | 'keyPairs';

/** The mappings in effect: the user's over the broker's proposals. */
function effective(plan: MigrationPlan): MigrationMappings {
  const merge = (kind: RecordKind) => ({ ...plan.proposed[kind], ...plan.mappings[kind] });
  const securityGroupIds = plan.mappings.securityGroupIds ?? plan.proposed.securityGroupIds;
  const diskFormat = plan.mappings.diskFormat ?? plan.proposed.diskFormat;
  return {
    hardwareProfiles: merge('hardwareProfiles'),
    locations: merge('locations'),
    keyPairs: merge('keyPairs'),
    ...(securityGroupIds === undefined ? {} : { securityGroupIds }),
    ...(diskFormat === undefined ? {} : { diskFormat }),
  };
}

export function PlanMappings({ plan, editable }: { readonly plan: MigrationPlan; readonly editable: boolean }) {
  const client = useClient();
  const [draft, setDraft] = useState<MigrationMappings>(() => effective(plan));
  const params = { provider: plan.targetProviderId, limit: 1000 };
  const profiles = useQuery({ queryKey: queryKeys.list('hardwareProfile', params), queryFn: () => client.hardwareProfiles.list(params) });
  const locations = useQuery({ queryKey: queryKeys.list('location', params), queryFn: () => client.locations.list(params) });
  const keyPairs = useQuery({ queryKey: queryKeys.list('keyPair', params), queryFn: () => client.keyPairs.list(params) });
  const groups = useQuery({ queryKey: queryKeys.list('securityGroup', params), queryFn: () => client.securityGroups.list(params) });

  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: () => client.migrations.update(plan.id, { mappings: draft }),
    onSuccess: (updated) => {
      queryClient.setQueryData(queryKeys.migration(plan.id), updated);
      void queryClient.invalidateQueries({ queryKey: queryKeys.preflight(plan.id) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.migrations() });
    },
  });

  const origin = (kind: RecordKind, key: string) => (plan.mappings[kind]?.[key] !== undefined ? 'chosen' : 'proposed');
  const setEntry = (kind: RecordKind, key: string, value: string) => setDraft((d) => ({ ...d, [kind]: { ...d[kind], [key]: value } }));
  const profileId = (value: string | undefined) => profiles.data?.items.find((p) => p.id === value || p.name === value)?.id ?? value ?? '';

  const row = (kind: RecordKind, source: ReactNode, key: string, options: readonly { id: string; label: string }[], value: string) => (
    <tr key={`${kind}-${key}`}>
      <td>{source}</td>
      <td>
        {editable ? (
          <select aria-label={`Target for ${key}`} value={value} onChange={(e) => setEntry(kind, key, e.target.value)}>
            {value === '' ? <option value="">(none)</option> : null}
            {options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </select>
        ) : (
          options.find((o) => o.id === value)?.label ?? value
        )}
      </td>
      <td>
        <span className={`badge ${origin(kind, key) === 'chosen' ? 'state-running' : ''}`}>{origin(kind, key)}</span>
      </td>
    </tr>
  );

  const groupIds = draft.securityGroupIds ?? [];
  return (
    <article className="card" aria-labelledby="mappings-heading">
      <h2 id="mappings-heading">Mappings</h2>
      <table className="data-table mappings">
        <caption className="visually-hidden">Source to target mappings</caption>
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Target</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(draft.hardwareProfiles ?? {}).map(([source, target]) =>
            row('hardwareProfiles', <>Profile <ResourceName kind="hardwareProfile" id={source} /></>, source, (profiles.data?.items ?? []).map((p) => ({ id: p.id, label: p.name })), profileId(target)),
          )}
          {Object.entries(draft.locations ?? {}).map(([source, target]) =>
            row('locations', <>Location <ResourceName kind="location" id={source} /></>, source, (locations.data?.items ?? []).map((l) => ({ id: l.id, label: `${l.name} (${l.kind})` })), target),
          )}
          {Object.entries(draft.keyPairs ?? {}).map(([source, target]) =>
            row('keyPairs', <>Key pair {source}</>, source, (keyPairs.data?.items ?? []).map((k) => ({ id: k.name, label: k.name })), target),
          )}
        </tbody>
      </table>
      <div className="filter-row mapping-extra">
        <fieldset className="plain-fieldset">
          <legend>Security groups every target joins</legend>
          {(groups.data?.items ?? []).map((group) => (
            <label key={group.id} className="check chip">
              <input
                type="checkbox"
                disabled={!editable}
                checked={groupIds.includes(group.id)}
                onChange={(e) => setDraft((d) => ({ ...d, securityGroupIds: e.target.checked ? [...groupIds, group.id] : groupIds.filter((g) => g !== group.id) }))}
              />
              {group.name}
            </label>
          ))}
          {groups.isSuccess && groups.data.items.length === 0 ? <span className="muted">The target has no security groups.</span> : null}
        </fieldset>
        <label className="field">
          <span>Disk format imported</span>
          <select value={draft.diskFormat ?? ''} disabled={!editable} onChange={(e) => setDraft((d) => ({ ...d, diskFormat: e.target.value as DiskFormat }))}>
            {draft.diskFormat === undefined ? <option value="">as proposed</option> : null}
            {DISK_FORMATS.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
      </div>
      {editable ? (
        <div className="button-row">
          <button type="button" onClick={() => save.mutate()} disabled={save.isPending}>
            Save mappings
          </button>
          {save.isSuccess ? <span role="status">Saved; preflight checks them again.</span> : <span className="hint">A plan can change until its first run.</span>}
        </div>
      ) : null}
      <ErrorText error={save.error} />
    </article>
  );
}
