/** One migration plan: status and progress, actions, mappings, preflight, and each VM's steps and bytes, live. */
import { useQuery } from '@tanstack/react-query';
import { useClient, useRights } from '../session/session-provider.js';
import { useProviderName } from '../api/use-catalogue.js';
import { queryKeys } from '../api/query-keys.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { StateBadge } from '../components/state-badge.js';
import { Link } from '../router/router.js';
import { planIsMoving } from './migration-status.js';
import { PlanActions } from './plan-actions.js';
import { PlanMappings } from './plan-mappings.js';
import { PlanPreflight } from './plan-preflight.js';
import { PlanVms } from './plan-vms.js';

export function PlanPage({ id }: { readonly id: string }) {
  const client = useClient();
  const { canChange } = useRights();
  const providerName = useProviderName();
  const query = useQuery({ queryKey: queryKeys.migration(id), queryFn: () => client.migrations.get(id) });
  const plan = query.data;
  if (plan === undefined) {
    return (
      <section>
        <PageTitle title="Migration plan">Migration plan</PageTitle>
        {query.isPending ? <p role="status">Loading…</p> : <ErrorText error={query.error} />}
        <Link to="/migrations">All plans</Link>
      </section>
    );
  }
  return (
    <section className="plan" data-plan-status={plan.status}>
      <PageTitle title={plan.name}>
        {plan.name} <StateBadge state={plan.status} transitional={planIsMoving(plan.status)} />
      </PageTitle>
      <p className="muted">
        {providerName(plan.sourceProviderId)} → {providerName(plan.targetProviderId)} · {plan.vms.length} VM{plan.vms.length === 1 ? '' : 's'}
        {plan.selector === undefined ? '' : ` chosen by tags ${Object.entries(plan.selector.tags).map(([k, v]) => (v === null ? k : `${k}=${v}`)).join(', ')}`}
      </p>
      <div className="plan-progress">
        <progress max={100} value={plan.progress} aria-label="Plan progress" />
        <span className="count">{Math.round(plan.progress)}%</span>
        <span className="muted small">{Object.entries(plan.counts).map(([status, n]) => `${n} ${status}`).join(' · ')}</span>
      </div>
      {canChange ? <PlanActions plan={plan} /> : null}
      <PlanVms plan={plan} />
      {plan.status === 'draft' ? <PlanPreflight planId={plan.id} /> : null}
      <PlanMappings plan={plan} editable={canChange && plan.status === 'draft'} />
    </section>
  );
}
