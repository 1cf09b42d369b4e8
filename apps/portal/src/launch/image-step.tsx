import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useClient } from '../session/session-provider.js';
import { queryKeys } from '../api/query-keys.js';
import { isAboutField } from '../api/errors.js';
import { ChoiceList } from '../components/choice-list.js';
import { ErrorText } from '../components/error-text.js';
import { Field } from '../components/field.js';
import type { StepProps } from './step-props.js';

export function ImageStep({ draft, change, error }: StepProps) {
  const client = useClient();
  const [filter, setFilter] = useState('');
  const params = { provider: draft.providerId, limit: 1000 };
  const images = useQuery({ queryKey: queryKeys.list('image', params), queryFn: () => client.images.list(params) });
  const wanted = filter.trim().toLowerCase();
  const shown = (images.data?.items ?? []).filter((i) => i.state === 'available' && (wanted === '' || `${i.name} ${i.os ?? ''}`.toLowerCase().includes(wanted)));
  return (
    <>
      <Field label="Find an image">{(control) => <input {...control} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />}</Field>
      <ErrorText error={images.error} />
      {images.isSuccess && shown.length === 0 ? <p className="muted">No available image matches.</p> : null}
      <ChoiceList
        legend="Image"
        name="imageId"
        value={draft.imageId}
        onChange={(imageId) => change({ imageId })}
        error={isAboutField(error, 'imageId') ? error : undefined}
        choices={shown.map((i) => ({
          id: i.id,
          title: i.name,
          detail: [i.os, i.architecture, i.sizeGiB === undefined ? undefined : `${i.sizeGiB} GiB`, i.public ? 'public' : 'private'].filter(Boolean).join(' · '),
        }))}
      />
    </>
  );
}
