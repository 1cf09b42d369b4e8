/** Preflight of a draft plan: per VM, the target it will get and the blockers and warnings. */
import { useQuery } from '@tanstack/react-query';
import type { PreflightFinding } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { ErrorText } from '../components/error-text.js';
import { RelativeTime } from '../components/relative-time.js';
import { formatMemory } from '../components/format.js';

export function PlanPreflight({ planId }: { readonly planId: string }) {
  const client = useClient();
  const preflight = useQuery({ queryKey: queryKeys.preflight(planId), queryFn: () => client.migrations.preflight(planId), staleTime: 0 });
  const result = preflight.data;
  return (
    <article className="card" aria-labelledby="preflight-heading">
      <div className="card-head">
        <h2 id="preflight-heading">Preflight</h2>
        <button type="button" className="quiet" onClick={() => void preflight.refetch()} disabled={preflight.isFetching}>
          {preflight.isFetching ? 'Checking…' : 'Check again'}
        </button>
      </div>
      <ErrorText error={preflight.error} />
      {result === undefined ? null : (
        <>
          <p className={result.ok ? 'notice ok' : 'error-text'} role="status" data-preflight={result.ok ? 'ok' : 'blocked'}>
            {result.ok ? 'No blockers: the plan can run.' : 'Blockers stop this plan from running; fix them (mappings, target) and check again.'}{' '}
            <span className="small">
              Checked <RelativeTime at={result.checkedAt} />.
            </span>
          </p>
          <Findings findings={result.findings} />
          <table className="data-table">
            <caption className="visually-hidden">Preflight per VM</caption>
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Target</th>
                <th scope="col">Findings</th>
              </tr>
            </thead>
            <tbody>
              {result.vms.map((vm) => (
                <tr key={vm.vmId} data-preflight-vm={vm.sourceName}>
                  <td>{vm.sourceName}</td>
                  <td className="small">
                    <strong>{vm.target.name}</strong>
                    <br />
                    {[
                      vm.target.hardwareProfileName,
                      vm.target.cpus === undefined ? undefined : `${vm.target.cpus} vCPU`,
                      vm.target.memoryMiB === undefined ? undefined : formatMemory(vm.target.memoryMiB),
                      vm.target.diskGiB === undefined ? undefined : `${vm.target.diskGiB} GiB`,
                      vm.target.keyName === undefined ? undefined : `key ${vm.target.keyName}`,
                      vm.target.sourceFormat === undefined || vm.target.diskFormat === undefined ? undefined : vm.target.sourceFormat === vm.target.diskFormat ? vm.target.diskFormat : `${vm.target.sourceFormat} → ${vm.target.diskFormat}`,
                    ]
                      .filter((part) => part !== undefined)
                      .join(' · ')}
                  </td>
                  <td>{vm.findings.length === 0 ? <span className="muted">none</span> : <Findings findings={vm.findings} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </article>
  );
}

function Findings({ findings }: { readonly findings: readonly PreflightFinding[] }) {
  if (findings.length === 0) return null;
  return (
    <ul className="plain findings">
      {findings.map((finding) => (
        <li key={`${finding.code}-${finding.field ?? ''}-${finding.message}`} className={`finding finding-${finding.severity}`}>
          <span className={`badge ${finding.severity === 'blocker' ? 'state-error' : 'state-stopping'}`}>{finding.severity}</span> {finding.message}
          {finding.field === undefined ? null : <span className="mono muted small"> ({finding.field})</span>}
        </li>
      ))}
    </ul>
  );
}
