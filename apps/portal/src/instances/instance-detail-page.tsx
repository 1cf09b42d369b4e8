/** One instance: state, hardware, addresses, tags, console, operations and the actions its state allows. */
import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useClient, useRights } from '../session/session-provider.js';
import { useInstanceStates, useProviders } from '../api/use-catalogue.js';
import { queryKeys } from '../api/query-keys.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { StateBadge } from '../components/state-badge.js';
import { RelativeTime } from '../components/relative-time.js';
import { TagEditor } from '../components/tag-editor.js';
import { formatGiB, formatMemory } from '../components/format.js';
import { Link, withQuery } from '../router/router.js';
import { ResourceName } from '../components/resource-name.js';
import { InstanceActions } from './instance-actions.js';
import { InstanceConsole } from './instance-console.js';
import { InstanceOperations } from './instance-operations.js';
import { CreateImageForm } from './create-image-form.js';
import { ExportOva } from '../appliances/export-ova.js';

export function InstanceDetailPage({ id }: { readonly id: string }) {
  const client = useClient();
  const { canChange } = useRights();
  const states = useInstanceStates();
  const { data: providers } = useProviders();
  const query = useQuery({ queryKey: queryKeys.detail('instance', id), queryFn: () => client.instances.get(id) });
  const instance = query.data;

  if (instance === undefined) {
    return (
      <section>
        <PageTitle title={id}>Instance {id}</PageTitle>
        {query.isPending ? <p role="status">Loading…</p> : <ErrorText error={query.error} />}
        <p>
          <Link to="/instances">Back to instances</Link>
        </p>
      </section>
    );
  }
  const info = states?.get(instance.state);
  const provider = providers?.find((p) => p.id === instance.providerId);
  const canMakeImage = canChange && provider?.capabilities.imageFromInstance !== undefined && instance.state !== 'terminated';
  const canExport = canChange && provider?.capabilities.diskExport !== undefined && instance.state !== 'terminated';

  return (
    <section className="instance-detail" data-instance={instance.id}>
      <PageTitle title={instance.name}>
        {instance.name} <StateBadge state={instance.state} transitional={info?.transitional ?? false} />
      </PageTitle>
      <p className="muted">
        <span className="mono">{instance.id}</span> in{' '}
        <Link to={withQuery('/instances', { provider: instance.providerId })}>{provider?.name ?? instance.providerId}</Link>
        {info === undefined ? '' : ` · ${info.description}`}
      </p>
      {canChange ? <InstanceActions instance={instance} /> : null}

      <div className="detail-grid">
        <article className="card" aria-labelledby="overview-heading">
          <h2 id="overview-heading">Overview</h2>
          <dl className="facts facts-wide">
            <Fact term="State">
              <span data-testid="instance-state">{instance.state}</span>
              <span className="muted"> (provider: {instance.rawState})</span>
            </Fact>
            {instance.stateReason === undefined ? null : <Fact term="Reason">{instance.stateReason}</Fact>}
            <Fact term="Hardware">
              {instance.cpus} vCPU · {formatMemory(instance.memoryMiB)} · {formatGiB(instance.diskGiB)}{' '}
              <span className="muted">
                (<ResourceName kind="hardwareProfile" id={instance.hardwareProfileId} />)
              </span>
            </Fact>
            <Fact term="Image">
              <ResourceName kind="image" id={instance.imageId} />
            </Fact>
            <Fact term="Location">{instance.locationId === undefined ? '—' : <ResourceName kind="location" id={instance.locationId} />}</Fact>
            <Fact term="Key pair">{instance.keyName ?? '—'}</Fact>
            <Fact term="Security groups">
              {instance.securityGroupIds === undefined || instance.securityGroupIds.length === 0
                ? '—'
                : instance.securityGroupIds.map((groupId, i) => (
                    <span key={groupId}>
                      {i === 0 ? '' : ', '}
                      <ResourceName kind="securityGroup" id={groupId} />
                    </span>
                  ))}
            </Fact>
            <Fact term="Created">
              <RelativeTime at={instance.createdAt} />
            </Fact>
          </dl>
        </article>
        <article className="card" aria-labelledby="addresses-heading">
          <h2 id="addresses-heading">Addresses</h2>
          {instance.addresses.length === 0 ? (
            <p className="muted">No addresses{info?.transitional === true ? ' yet' : ''}.</p>
          ) : (
            <ul className="plain">
              {instance.addresses.map((address) => (
                <li key={address.address}>
                  <span className="mono">{address.address}</span> <span className="muted">{address.kind}</span>
                </li>
              ))}
            </ul>
          )}
          <h2>Tags</h2>
          <TagEditor kind="instance" id={instance.id} tags={instance.tags} editable={canChange} />
        </article>
      </div>

      <article className="card" aria-labelledby="console-heading">
        <h2 id="console-heading">Console output</h2>
        <InstanceConsole id={instance.id} state={instance.state} />
      </article>
      <article className="card" aria-labelledby="operations-heading">
        <h2 id="operations-heading">Operations</h2>
        <InstanceOperations targetId={instance.id} />
      </article>
      {canMakeImage ? (
        <article className="card" aria-labelledby="image-heading">
          <h2 id="image-heading">Image from this instance</h2>
          <CreateImageForm instance={instance} />
        </article>
      ) : null}
      {canExport ? (
        <article className="card" aria-labelledby="ova-heading">
          <h2 id="ova-heading">Export as an appliance (OVA)</h2>
          <ExportOva kind="instance" id={instance.id} {...(instance.state === 'stopped' ? {} : { disabledReason: `Stop the instance to export it (it is ${instance.state}).` })} />
        </article>
      ) : null}
    </section>
  );
}

function Fact({ term, children }: { readonly term: string; readonly children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
