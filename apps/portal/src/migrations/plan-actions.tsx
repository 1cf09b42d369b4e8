/**
 * What can be done with a plan now: run, pause, resume, cancel, retry the failed, roll back, finalize,
 * delete. Offered by the plan's state; the broker decides, and its refusal is shown as worded.
 */
import { useMutation } from '@tanstack/react-query';
import { useQueryClient } from '@tanstack/react-query';
import type { MigrationPlan } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorText } from '../components/error-text.js';
import { navigate } from '../router/router.js';

type PlanAction = 'run' | 'pause' | 'resume' | 'cancel' | 'retry' | 'rollback' | 'finalize' | 'delete';

export function PlanActions({ plan }: { readonly plan: MigrationPlan }) {
  const client = useClient();
  const queryClient = useQueryClient();
  const act = useMutation({
    mutationFn: async (action: PlanAction): Promise<MigrationPlan | null> => {
      if (action === 'delete') {
        await client.migrations.delete(plan.id);
        return null;
      }
      return client.migrations[action](plan.id);
    },
    onSuccess: (updated) => {
      if (updated === null) navigate('/migrations');
      else queryClient.setQueryData(queryKeys.migration(plan.id), updated);
      void queryClient.invalidateQueries({ queryKey: queryKeys.migrations() });
    },
  });
  const count = (status: keyof MigrationPlan['counts']) => plan.counts[status] ?? 0;
  const moving = plan.status === 'running';
  const paused = plan.status === 'paused';
  const failed = count('failed') + count('cancelled') + count('rolled-back');
  const cutOver = count('cut-over');
  const button = (action: PlanAction, label: string, shown: boolean, primary = false) =>
    shown ? (
      <button type="button" className={primary ? 'primary' : undefined} disabled={act.isPending} onClick={() => act.mutate(action)}>
        {label}
      </button>
    ) : null;

  return (
    <div className="instance-actions">
      <div className="button-row" role="group" aria-label="Plan actions">
        {button('run', 'Run', plan.status === 'draft', true)}
        {button('pause', 'Pause', moving)}
        {button('resume', 'Resume', paused, true)}
        {button('cancel', 'Cancel', moving || paused)}
        {button('retry', `Retry failed (${failed})`, !moving && !paused && failed > 0)}
        {button('finalize', 'Finalize', !moving && !paused && cutOver > 0 && count('failed') === 0, true)}
        {!moving && !paused && cutOver + count('failed') > 0 ? (
          <ConfirmButton question="Roll back the cut-over and failed VMs?" disabled={act.isPending} onConfirm={() => act.mutate('rollback')}>
            Roll back
          </ConfirmButton>
        ) : null}
        {!moving ? (
          <ConfirmButton question={`Delete plan ${plan.name}?`} className="quiet" disabled={act.isPending} onConfirm={() => act.mutate('delete')}>
            Delete plan
          </ConfirmButton>
        ) : null}
      </div>
      <ErrorText error={act.error} />
    </div>
  );
}
