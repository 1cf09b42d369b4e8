/** Images of every provider; private ones can be deregistered. New images are made from an instance's page. */
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { Image } from '@skyport/model';
import { useClient, useRights } from '../session/session-provider.js';
import { useProviderName, useProviders } from '../api/use-catalogue.js';
import { providerParams, usePagedList } from '../api/use-paged-list.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { ProviderFilter } from '../components/provider-filter.js';
import { DataTable } from '../components/data-table.js';
import { Pager } from '../components/pager.js';
import { RelativeTime } from '../components/relative-time.js';
import { StateBadge } from '../components/state-badge.js';
import { TagList } from '../components/tag-list.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ActionLog, useActionLog } from '../components/action-log.js';
import { Link, withQuery } from '../router/router.js';
import { ImportOvaPanel } from '../appliances/import-ova-panel.js';
import { ExportsPanel } from '../appliances/exports-panel.js';

export function ImagesPage() {
  const client = useClient();
  const { canChange } = useRights();
  const providerName = useProviderName();
  const [provider, setProvider] = useState('');
  const [operations, started] = useActionLog();
  const { list, rows, pager } = usePagedList('image', providerParams(provider), (q) => client.images.list(q));
  const remove = useMutation({ mutationFn: (id: string) => client.images.delete(id), onSuccess: started });
  const exportOva = useMutation({ mutationFn: (id: string) => client.images.export(id), onSuccess: started });
  const { data: providers } = useProviders();
  const exports = (providerId: string) => providers?.find((p) => p.id === providerId)?.capabilities.diskExport !== undefined;

  return (
    <section>
      <PageTitle title="Images">Images</PageTitle>
      <p className="muted">New images are made from an instance (its page has “Image from this instance”) or imported from an OVA.</p>
      {canChange ? <ImportOvaPanel /> : null}
      <ActionLog operations={operations} />
      <ProviderFilter value={provider} onChange={setProvider} />
      <ErrorText error={list.error ?? remove.error ?? exportOva.error} />
      <DataTable<Image>
        caption="Images"
        rows={rows}
        loading={list.isPending}
        empty="No images."
        columns={[
          { label: 'Name', render: (i) => i.name },
          { label: 'State', render: (i) => <StateBadge state={i.state} transitional={i.state === 'pending'} /> },
          { label: 'Provider', render: (i) => providerName(i.providerId) },
          { label: 'OS', render: (i) => i.os ?? '—' },
          { label: 'Arch', render: (i) => i.architecture },
          { label: 'Size', numeric: true, render: (i) => (i.sizeGiB === undefined ? '—' : `${i.sizeGiB} GiB`) },
          { label: 'Visibility', render: (i) => (i.public ? 'public' : 'private') },
          { label: 'Tags', render: (i) => <TagList tags={i.tags} /> },
          { label: 'Created', render: (i) => <RelativeTime at={i.createdAt} never="—" /> },
          {
            label: 'Actions',
            render: (i: Image) => (
              <div className="button-row">
                {canChange && i.state === 'available' ? (
                  <Link className="button" to={withQuery('/launch', { provider: i.providerId, image: i.id })}>
                    Launch
                  </Link>
                ) : null}
                {canChange && i.state === 'available' && exports(i.providerId) ? (
                  <button type="button" onClick={() => exportOva.mutate(i.id)}>
                    Export OVA
                  </button>
                ) : null}
                {canChange && !i.public && i.state !== 'deleted' ? (
                  <ConfirmButton question={`Deregister ${i.name}?`} onConfirm={() => remove.mutate(i.id)}>
                    Deregister
                  </ConfirmButton>
                ) : null}
              </div>
            ),
          },
        ]}
      />
      <Pager noun="images" {...pager} />
      <ExportsPanel />
    </section>
  );
}
