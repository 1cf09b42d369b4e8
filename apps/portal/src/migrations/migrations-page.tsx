/** Every migration plan of the tenant, newest first, with its live progress. */
import { useQuery } from '@tanstack/react-query';
import type { MigrationPlan } from '@skyport/model';
import { useClient, useRights } from '../session/session-provider.js';
import { useProviderName } from '../api/use-catalogue.js';
import { queryKeys } from '../api/query-keys.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { DataTable } from '../components/data-table.js';
import { RelativeTime } from '../components/relative-time.js';
import { StateBadge } from '../components/state-badge.js';
import { Link } from '../router/router.js';
import { planIsMoving } from './migration-status.js';

export function MigrationsPage() {
  const client = useClient();
  const { canChange } = useRights();
  const providerName = useProviderName();
  const plans = useQuery({ queryKey: queryKeys.migrations(), queryFn: () => client.migrations.list() });
  return (
    <section>
      <PageTitle title="Migrations" actions={canChange ? <Link to="/migrations/new" className="button primary">New plan</Link> : undefined}>
        Migrations
      </PageTitle>
      <p className="muted">A plan moves instances from one provider to another; each VM goes through checkpointed steps and can be cancelled, retried or rolled back.</p>
      <ErrorText error={plans.error} />
      <DataTable<MigrationPlan>
        caption="Migration plans"
        rows={plans.data ?? []}
        loading={plans.isPending}
        empty="No migration plans yet."
        rowProps={(plan) => ({ 'data-plan': plan.name })}
        columns={[
          { label: 'Plan', render: (p) => <Link to={`/migrations/${encodeURIComponent(p.id)}`} className="row-link">{p.name}</Link> },
          { label: 'From → to', render: (p) => `${providerName(p.sourceProviderId)} → ${providerName(p.targetProviderId)}` },
          { label: 'Status', render: (p) => <StateBadge state={p.status} transitional={planIsMoving(p.status)} /> },
          {
            label: 'Progress',
            render: (p) => (
              <progress max={100} value={p.progress} aria-label={`${p.name} progress`}>
                {p.progress}%
              </progress>
            ),
          },
          { label: 'VMs', render: (p) => Object.entries(p.counts).map(([status, n]) => `${n} ${status}`).join(', ') || `${p.vms.length}` },
          { label: 'Created', render: (p) => <RelativeTime at={p.createdAt} /> },
        ]}
      />
    </section>
  );
}
