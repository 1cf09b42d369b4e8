/** The actions the instance's current state accepts (from `GET /instance-states`), and their progress. */
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { Instance, InstanceAction, Operation } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { useInstanceStates } from '../api/use-catalogue.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorText } from '../components/error-text.js';
import { OperationProgress } from '../components/operation-progress.js';

const LABELS: Readonly<Record<InstanceAction, string>> = { start: 'Start', stop: 'Stop', reboot: 'Reboot', destroy: 'Destroy' };

export function InstanceActions({ instance }: { readonly instance: Instance }) {
  const client = useClient();
  const states = useInstanceStates();
  const [operation, setOperation] = useState<Operation | null>(null);
  const act = useMutation({
    mutationFn: (action: InstanceAction) => (action === 'destroy' ? client.instances.destroy(instance.id) : client.instances[action](instance.id)),
    onSuccess: setOperation,
  });
  const allowed = states?.get(instance.state)?.actions ?? [];
  return (
    <div className="instance-actions">
      <div className="button-row" role="group" aria-label="Instance actions">
        {allowed.length === 0 ? <span className="muted">No action is possible while the instance is {instance.state}.</span> : null}
        {allowed.map((action) =>
          action === 'destroy' ? (
            <ConfirmButton key={action} question={`Destroy ${instance.name}?`} disabled={act.isPending} onConfirm={() => act.mutate(action)}>
              Destroy
            </ConfirmButton>
          ) : (
            <button key={action} type="button" disabled={act.isPending} onClick={() => act.mutate(action)}>
              {LABELS[action]}
            </button>
          ),
        )}
      </div>
      <ErrorText error={act.error} />
      {operation === null ? null : <OperationProgress key={operation.id} operation={operation} />}
    </div>
  );
}
