/** Each VM of a plan: status, its step among the nine, percent, bytes, rate and ETA, error; and its step history. */
import { Fragment, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { MIGRATION_STEPS, type MigrationPlan, type MigrationVm } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { ErrorText } from '../components/error-text.js';
import { StateBadge } from '../components/state-badge.js';
import { RelativeTime } from '../components/relative-time.js';
import { formatBytes } from '../components/format-bytes.js';
import { Link } from '../router/router.js';
import { vmIsMoving } from './migration-status.js';

export function PlanVms({ plan }: { readonly plan: MigrationPlan }) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <article className="card" aria-labelledby="vms-heading">
      <h2 id="vms-heading">VMs</h2>
      <div className="table-scroll">
        <table className="data-table plan-vms">
          <caption className="visually-hidden">VMs of the plan</caption>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Target</th>
              <th scope="col">Status</th>
              <th scope="col">Steps</th>
              <th scope="col">Progress</th>
              <th scope="col">
                <span className="visually-hidden">History</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {plan.vms.map((vm) => (
              <Fragment key={vm.id}>
                <tr data-vm={vm.sourceName} data-status={vm.status}>
                  <td>
                    <Link to={`/instances/${encodeURIComponent(vm.sourceInstanceId)}`}>{vm.sourceName}</Link>
                  </td>
                  <td>{vm.targetInstanceId === undefined ? vm.targetName : <Link to={`/instances/${encodeURIComponent(vm.targetInstanceId)}`}>{vm.targetName}</Link>}</td>
                  <td>
                    <StateBadge state={vm.status} transitional={vmIsMoving(vm.status)} />
                    {vm.attempt > 1 ? <span className="muted small"> attempt {vm.attempt}</span> : null}
                  </td>
                  <td>
                    <StepTrack vm={vm} />
                  </td>
                  <td className="vm-progress">
                    <VmProgress vm={vm} />
                  </td>
                  <td>
                    <button type="button" className="quiet" aria-expanded={open === vm.id} onClick={() => setOpen(open === vm.id ? null : vm.id)}>
                      History<span className="visually-hidden"> of {vm.sourceName}</span>
                    </button>
                  </td>
                </tr>
                {open === vm.id ? (
                  <tr>
                    <td colSpan={6}>
                      <StepHistory planId={plan.id} vm={vm} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </article>
  );
}

/** The nine steps as dots: done, current (or failed), to come. */
function StepTrack({ vm }: { readonly vm: MigrationVm }) {
  const finished = vm.status === 'cut-over' || vm.status === 'finalizing' || vm.status === 'finalized';
  const at = finished ? MIGRATION_STEPS.length : vm.step === undefined ? -1 : MIGRATION_STEPS.indexOf(vm.step);
  const failed = vm.status === 'failed';
  return (
    <ol className="step-track" aria-label={vm.step === undefined ? 'Steps' : `Step ${at + 1} of ${MIGRATION_STEPS.length}: ${vm.step}`}>
      {MIGRATION_STEPS.map((step, i) => (
        <li key={step} title={step} className={i < at ? 'done' : i === at ? (failed ? 'failed' : 'current') : undefined} />
      ))}
      <span className="small step-name">{finished ? 'done' : (vm.step ?? '—')}</span>
    </ol>
  );
}

function VmProgress({ vm }: { readonly vm: MigrationVm }) {
  const p = vm.progress;
  const bytes = p.bytesTotal === undefined ? undefined : `${formatBytes(p.bytesDone ?? 0)} of ${formatBytes(p.bytesTotal)}`;
  const rate = p.bytesPerSecond === undefined ? undefined : `${formatBytes(p.bytesPerSecond)}/s`;
  const eta = p.etaSeconds === undefined || !vmIsMoving(vm.status) ? undefined : `ETA ${Math.ceil(p.etaSeconds)} s`;
  return (
    <>
      <progress max={100} value={p.percent} aria-label={`${vm.sourceName} progress`} />
      <span className="count small"> {Math.round(p.percent)}%</span>
      <div className="muted small">{[bytes, rate, eta].filter((x) => x !== undefined).join(' · ') || (p.message ?? '')}</div>
      {vm.error === undefined ? null : (
        <p className="error-text small" role="alert">
          <span className="error-code">{vm.error.code}</span>
          {vm.error.message}
        </p>
      )}
    </>
  );
}

function StepHistory({ planId, vm }: { readonly planId: string; readonly vm: MigrationVm }) {
  const client = useClient();
  const steps = useQuery({ queryKey: queryKeys.migrationSteps(planId, vm.id), queryFn: () => client.migrations.steps(planId, vm.id) });
  return (
    <div className="step-history">
      <ErrorText error={steps.error} />
      <ol className="plain">
        {(steps.data ?? []).map((entry) => (
          <li key={entry.seq} className={entry.event === 'failed' ? 'error-text small' : 'small'}>
            <span className="mono">{entry.step}</span> {entry.kind === 'compensation' ? '(undo) ' : ''}
            {entry.event} <span className="muted">· attempt {entry.attempt} · <RelativeTime at={entry.at} /></span>
            {entry.error === undefined ? null : <> — {entry.error.message}</>}
          </li>
        ))}
      </ol>
    </div>
  );
}
