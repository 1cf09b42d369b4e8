import { useQuery } from '@tanstack/react-query';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { errorMessage, isAboutField } from '../api/errors.js';
import { ErrorText } from '../components/error-text.js';
import type { StepProps } from './step-props.js';

export function SecurityGroupStep({ draft, change, error, provider }: StepProps) {
  const client = useClient();
  const supported = provider?.capabilities.securityGroups !== undefined;
  const params = { provider: draft.providerId, limit: 1000 };
  const groups = useQuery({ queryKey: queryKeys.list('securityGroup', params), queryFn: () => client.securityGroups.list(params), enabled: supported });
  if (!supported) return <p className="muted">{provider?.name ?? 'This provider'} has no security groups.</p>;
  const fieldError = isAboutField(error, 'securityGroupIds') ? error : undefined;
  const toggle = (id: string, on: boolean) => change({ securityGroupIds: on ? [...draft.securityGroupIds, id] : draft.securityGroupIds.filter((g) => g !== id) });
  return (
    <fieldset className="choice-list" aria-describedby={fieldError === undefined ? 'groups-hint' : 'groups-hint groups-error'}>
      <legend>Security groups</legend>
      <p className="hint" id="groups-hint">
        Up to five. None chosen: the provider&apos;s default group.
      </p>
      <ErrorText error={groups.error} />
      {(groups.data?.items ?? []).map((group) => (
        <label key={group.id} className={draft.securityGroupIds.includes(group.id) ? 'choice chosen' : 'choice'}>
          <input type="checkbox" name="securityGroupIds" checked={draft.securityGroupIds.includes(group.id)} onChange={(e) => toggle(group.id, e.target.checked)} />
          <span className="choice-title">{group.name}</span>
          <span className="choice-detail muted small">
            {group.description} · {group.ingress.length} inbound rule{group.ingress.length === 1 ? '' : 's'}
          </span>
        </label>
      ))}
      {fieldError === undefined ? null : (
        <p className="field-error" id="groups-error" role="alert">
          {errorMessage(fieldError)}
        </p>
      )}
    </fieldset>
  );
}
