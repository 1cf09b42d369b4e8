/**
 * Start, stop, reboot or destroy the selected rows. Each action goes only to the rows whose
 * state accepts it (per `GET /instance-states`); refusals come back in the API's words.
 */
import { useState } from 'react';
import { INSTANCE_ACTIONS, type InstanceAction, type InstanceState, type InstanceStateInfo } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { errorMessage } from '../api/errors.js';
import { ConfirmButton } from '../components/confirm-button.js';
import type { InstanceRow } from './instance-columns.js';
import { runOnEach } from './run-on-each.js';
import { retryRateLimited } from '../api/retry-rate-limited.js';

const LABELS: Readonly<Record<InstanceAction, string>> = { start: 'Start', stop: 'Stop', reboot: 'Reboot', destroy: 'Destroy' };
const DOING: Readonly<Record<InstanceAction, string>> = { start: 'Starting', stop: 'Stopping', reboot: 'Rebooting', destroy: 'Destroying' };

interface Outcome {
  readonly action: InstanceAction;
  readonly started: number;
  readonly skipped: number;
  readonly failures: readonly { readonly name: string; readonly message: string }[];
}

export function BulkActions({
  selected,
  states,
  onClear,
}: {
  readonly selected: readonly InstanceRow[];
  readonly states: ReadonlyMap<InstanceState, InstanceStateInfo> | undefined;
  readonly onClear: () => void;
}) {
  const client = useClient();
  const [busy, setBusy] = useState<InstanceAction | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const eligible = (action: InstanceAction) => selected.filter((row) => row.state !== undefined && states?.get(row.state)?.actions.includes(action) === true);

  const run = async (action: InstanceAction) => {
    const targets = eligible(action);
    setBusy(action);
    const results = await runOnEach(targets, (row) => retryRateLimited(() => (action === 'destroy' ? client.instances.destroy(row.id) : client.instances[action](row.id))));
    const failures = results.filter((r) => r.error !== undefined).map((r) => ({ name: r.item.name ?? r.item.id, message: errorMessage(r.error) }));
    setOutcome({ action, started: results.length - failures.length, skipped: selected.length - targets.length, failures });
    setBusy(null);
    onClear();
  };

  return (
    <div className="bulk-bar" role="region" aria-label="Actions on selected instances">
      <span className="bulk-count">{selected.length === 0 ? 'Select rows to act on several instances' : `${selected.length} selected`}</span>
      {INSTANCE_ACTIONS.map((action) => {
        const count = eligible(action).length;
        const label = `${LABELS[action]}${selected.length === 0 ? '' : ` (${count})`}`;
        const disabled = count === 0 || busy !== null;
        return action === 'destroy' ? (
          <ConfirmButton key={action} disabled={disabled} question={`Destroy ${count} instance${count === 1 ? '' : 's'}?`} onConfirm={() => void run(action)}>
            {label}
          </ConfirmButton>
        ) : (
          <button key={action} type="button" disabled={disabled} onClick={() => void run(action)}>
            {label}
          </button>
        );
      })}
      <div className="bulk-outcome" role="status" aria-live="polite">
        {busy !== null ? `${DOING[busy]}…` : outcome === null ? null : <OutcomeText outcome={outcome} />}
      </div>
    </div>
  );
}

function OutcomeText({ outcome }: { readonly outcome: Outcome }) {
  const { action, started, skipped, failures } = outcome;
  return (
    <>
      <span>
        {LABELS[action]} started on {started} instance{started === 1 ? '' : 's'}.
        {skipped > 0 ? ` ${skipped} skipped: their state does not allow ${action}.` : ''}
      </span>
      {failures.length === 0 ? null : (
        <ul className="failures">
          {failures.map((failure) => (
            <li key={failure.name} className="error-text">
              {failure.name}: {failure.message}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
