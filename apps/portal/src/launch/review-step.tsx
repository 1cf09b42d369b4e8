import type { ReactNode } from 'react';
import { ResourceName } from '../components/resource-name.js';
import { STEPS, toRequest, type LaunchDraft } from './launch-draft.js';

/** What will be asked of the broker, each part with a way back to its step. */
export function ReviewStep({ draft, providerName, onEdit }: { readonly draft: LaunchDraft; readonly providerName: string; readonly onEdit: (step: number) => void }) {
  const request = toRequest(draft);
  const edit = (key: string) => {
    const at = STEPS.findIndex((s) => s.key === key);
    return (
      <button type="button" className="link-button" onClick={() => onEdit(at)}>
        Change<span className="visually-hidden"> {STEPS[at]?.title}</span>
      </button>
    );
  };
  const row = (term: string, value: ReactNode, step: string) => (
    <div key={term}>
      <dt>{term}</dt>
      <dd>
        {value} {edit(step)}
      </dd>
    </div>
  );
  const hardware = [request.cpus === undefined ? null : `${request.cpus} vCPU`, request.memoryMiB === undefined ? null : `${request.memoryMiB} MiB`, request.diskGiB === undefined ? null : `${request.diskGiB} GiB`].filter(Boolean).join(' · ');
  return (
    <dl className="facts facts-wide review">
      {row('Name', request.name, 'details')}
      {row('Provider', providerName, 'provider')}
      {row('Image', <ResourceName kind="image" id={request.imageId} />, 'image')}
      {row(
        'Hardware',
        <>
          <ResourceName kind="hardwareProfile" id={request.hardwareProfileId} />
          {hardware === '' ? ' (its defaults)' : ` · ${hardware}`}
        </>,
        'hardware',
      )}
      {row('Location', request.locationId === undefined ? 'any' : <ResourceName kind="location" id={request.locationId} />, 'hardware')}
      {row('Key pair', request.keyName ?? 'none', 'key-pair')}
      {row(
        'Security groups',
        request.securityGroupIds === undefined ? 'the default group' : request.securityGroupIds.map((id, i) => (
              <span key={id}>
                {i === 0 ? '' : ', '}
                <ResourceName kind="securityGroup" id={id} />
              </span>
            )),
        'security-groups',
      )}
      {row('User data', request.userData === undefined ? 'none' : `${request.userData.length} characters`, 'details')}
    </dl>
  );
}
