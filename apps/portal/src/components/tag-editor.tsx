/** A resource's tags with remove buttons and an add form (`PATCH .../tags`). */
import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { TagChange } from '@skyport/client';
import type { TaggableKind, Tags } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { isAboutField } from '../api/errors.js';
import { ErrorText } from './error-text.js';
import { Field } from './field.js';

export function TagEditor({ kind, id, tags, editable }: { readonly kind: TaggableKind; readonly id: string; readonly tags: Tags; readonly editable: boolean }) {
  const client = useClient();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  // The event stream brings the new tags back; the answer is not needed here.
  const change = useMutation({ mutationFn: (tagChange: TagChange) => client.tags.update(kind, id, tagChange) });
  const add = (event: FormEvent) => {
    event.preventDefault();
    change.mutate(
      { set: { [key.trim()]: value } },
      {
        onSuccess: () => {
          setKey('');
          setValue('');
        },
      },
    );
  };
  const entries = Object.entries(tags);
  const fieldError = isAboutField(change.error, 'set') || isAboutField(change.error, 'tags') ? change.error : undefined;
  return (
    <div className="tag-editor">
      {entries.length === 0 ? <p className="muted">No tags.</p> : null}
      <ul className="tags">
        {entries.map(([k, v]) => (
          <li key={k} className="tag">
            {v === '' ? k : `${k}=${v}`}
            {editable ? (
              <button type="button" className="tag-remove" aria-label={`Remove tag ${k}`} onClick={() => change.mutate({ remove: [k] })}>
                ×
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {editable ? (
        <form className="inline-form" onSubmit={add} aria-label="Add a tag">
          <Field label="Key" error={fieldError}>
            {(control) => <input {...control} value={key} onChange={(e) => setKey(e.target.value)} />}
          </Field>
          <Field label="Value">{(control) => <input {...control} value={value} onChange={(e) => setValue(e.target.value)} />}</Field>
          <button type="submit" disabled={key.trim() === '' || change.isPending}>
            Add tag
          </button>
        </form>
      ) : null}
      {fieldError === undefined ? <ErrorText error={change.error} /> : null}
    </div>
  );
}
