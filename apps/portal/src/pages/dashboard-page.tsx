/** Every provider at a glance: health, last sync, instances per state; totals on top. */
import { useMutation, useQueries } from '@tanstack/react-query';
import { INSTANCE_STATES, type InstanceState } from '@skyport/model';
import type { ProviderView } from '@skyport/client';
import { useClient, useRights } from '../session/session-provider.js';
import { useInstanceStates, useProviders } from '../api/use-catalogue.js';
import { queryKeys } from '../api/query-keys.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { RelativeTime } from '../components/relative-time.js';
import { StateBadge } from '../components/state-badge.js';
import { Link, withQuery } from '../router/router.js';

type Counts = Record<InstanceState, number>;

export function DashboardPage() {
  const client = useClient();
  const providers = useProviders();
  const list = providers.data ?? [];
  const counts = useQueries({
    queries: list.map((provider) => ({
      queryKey: queryKeys.counts(provider.id),
      queryFn: () => client.instances.counts(provider.id),
    })),
  });
  const countsOf = new Map(list.map((provider, i) => [provider.id, counts[i]?.data]));
  const totals = sumCounts([...countsOf.values()]);

  return (
    <section>
      <PageTitle title="Dashboard" actions={<Link to="/launch" className="button primary">Launch instance</Link>}>
        Dashboard
      </PageTitle>
      <ErrorText error={providers.error} />
      <div className="summary" aria-label="Instances in all clouds">
        <div className="summary-total">
          <span className="big">{totals === undefined ? '…' : total(totals).toLocaleString()}</span>
          <span className="muted">instances in {list.length} {list.length === 1 ? 'provider' : 'providers'}</span>
        </div>
        {totals === undefined ? null : <StateCounts counts={totals} />}
      </div>
      {providers.isPending ? <p role="status">Loading providers…</p> : null}
      {list.length === 0 && providers.isSuccess ? <p>No providers yet. Add one with <code>skyport providers add</code> or the API.</p> : null}
      <ul className="provider-grid">
        {list.map((provider) => (
          <li key={provider.id}>
            <ProviderCard provider={provider} counts={countsOf.get(provider.id)} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function ProviderCard({ provider, counts }: { readonly provider: ProviderView; readonly counts: Counts | undefined }) {
  const client = useClient();
  const { canChange } = useRights();
  const sync = useMutation({ mutationFn: () => client.providers.sync(provider.id) });
  return (
    <article className="card provider-card" aria-labelledby={`provider-${provider.id}`} data-provider={provider.name}>
      <header className="card-head">
        <h2 id={`provider-${provider.id}`}>
          <Link to={withQuery('/instances', { provider: provider.id })}>{provider.name}</Link>
        </h2>
        <span className={`badge health-${provider.status}`}>{provider.status}</span>
      </header>
      <p className="muted small">
        {provider.driver}
        {provider.region === undefined ? '' : ` · ${provider.region}`}
      </p>
      {provider.statusReason === undefined ? null : <p className="warning small">{provider.statusReason}</p>}
      <dl className="facts">
        <div>
          <dt>Last sync</dt>
          <dd>
            <RelativeTime at={provider.lastSyncAt} />
          </dd>
        </div>
        <div>
          <dt>Instances</dt>
          <dd>{counts === undefined ? '…' : total(counts).toLocaleString()}</dd>
        </div>
      </dl>
      {provider.lastSyncError === undefined ? null : <p className="error-text small">Last sync failed: {provider.lastSyncError}</p>}
      {counts === undefined ? null : <StateCounts counts={counts} provider={provider.id} />}
      {canChange ? (
        <div className="card-actions">
          <button type="button" className="quiet" onClick={() => sync.mutate()} disabled={sync.isPending}>
            {sync.isPending ? 'Syncing…' : 'Sync now'}
          </button>
          <ErrorText error={sync.error} />
        </div>
      ) : null}
    </article>
  );
}

/** Non-zero counts per state, each a link to the inventory filtered to it. */
function StateCounts({ counts, provider }: { readonly counts: Counts; readonly provider?: string }) {
  const states = useInstanceStates();
  const shown = INSTANCE_STATES.filter((state) => counts[state] > 0);
  if (shown.length === 0) return <p className="muted small">No instances.</p>;
  return (
    <ul className="state-counts">
      {shown.map((state) => (
        <li key={state}>
          <Link to={withQuery('/instances', { provider, state })} className="state-count" aria-label={`${counts[state]} ${state}`}>
            <StateBadge state={state} transitional={states?.get(state)?.transitional ?? false} />
            <span className="count">{counts[state].toLocaleString()}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

function total(counts: Counts): number {
  return INSTANCE_STATES.reduce((sum, state) => sum + counts[state], 0);
}

function sumCounts(all: readonly (Counts | undefined)[]): Counts | undefined {
  if (all.some((c) => c === undefined)) return undefined;
  const sum = Object.fromEntries(INSTANCE_STATES.map((s) => [s, 0])) as Counts;
  for (const counts of all) for (const state of INSTANCE_STATES) sum[state] += counts?.[state] ?? 0;
  return sum;
}
