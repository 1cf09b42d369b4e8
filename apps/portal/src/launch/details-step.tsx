import { isAboutField } from '../api/errors.js';
import { Field } from '../components/field.js';
import type { StepProps } from './step-props.js';

export function DetailsStep({ draft, change, error, provider }: StepProps) {
  const userData = provider?.capabilities.instances.userData ?? true;
  return (
    <>
      <Field label="Name" error={isAboutField(error, 'name') ? error : undefined}>
        {(control) => <input {...control} name="name" value={draft.name} autoComplete="off" onChange={(e) => change({ name: e.target.value })} />}
      </Field>
      <Field
        label="User data"
        hint={userData ? 'Given to the guest at first boot (cloud-init: #cloud-config or a script).' : `${provider?.name ?? 'This provider'} does not pass user data to guests.`}
        error={isAboutField(error, 'userData') ? error : undefined}
      >
        {(control) => <textarea {...control} name="userData" rows={8} className="mono" value={draft.userData} disabled={!userData} onChange={(e) => change({ userData: e.target.value })} />}
      </Field>
    </>
  );
}
