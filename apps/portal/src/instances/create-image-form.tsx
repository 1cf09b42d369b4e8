/** Makes an image of the instance's disk (`POST /images`), with the operation's progress. */
import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { Instance } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { isAboutField } from '../api/errors.js';
import { Field } from '../components/field.js';
import { ErrorText } from '../components/error-text.js';
import { OperationProgress } from '../components/operation-progress.js';

export function CreateImageForm({ instance }: { readonly instance: Instance }) {
  const client = useClient();
  const [name, setName] = useState(`${instance.name}-image`);
  const create = useMutation({ mutationFn: () => client.images.create({ instanceId: instance.id, name: name.trim() }) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Create an image of this instance">
      <Field label="Image name" error={isAboutField(create.error, 'name') ? create.error : undefined}>
        {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <button type="submit" disabled={create.isPending || name.trim() === ''}>
        Create image
      </button>
      {isAboutField(create.error, 'name') ? null : <ErrorText error={create.error} />}
      {create.data === undefined ? null : <OperationProgress key={create.data.id} operation={create.data} />}
    </form>
  );
}
