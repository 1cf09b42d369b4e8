/** Key pairs of every provider: list, generate or import, delete. A generated private key is shown once. */
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { CreatedKeyPairView } from '@skyport/client';
import type { KeyPair } from '@skyport/model';
import { useClient, useRights } from '../session/session-provider.js';
import { useProviderName } from '../api/use-catalogue.js';
import { providerParams, usePagedList } from '../api/use-paged-list.js';
import { isAboutField } from '../api/errors.js';
import { PageTitle } from '../components/page-title.js';
import { ErrorText } from '../components/error-text.js';
import { Field } from '../components/field.js';
import { ProviderSelect } from '../components/provider-select.js';
import { ProviderFilter } from '../components/provider-filter.js';
import { DataTable } from '../components/data-table.js';
import { Pager } from '../components/pager.js';
import { RelativeTime } from '../components/relative-time.js';
import { TagList } from '../components/tag-list.js';
import { ConfirmButton } from '../components/confirm-button.js';

export function KeyPairsPage() {
  const client = useClient();
  const { canChange } = useRights();
  const providerName = useProviderName();
  const [provider, setProvider] = useState('');
  const { list, rows, pager } = usePagedList('keyPair', providerParams(provider), (q) => client.keyPairs.list(q));
  const remove = useMutation({ mutationFn: (id: string) => client.keyPairs.delete(id), onSuccess: () => void list.refetch() });

  return (
    <section>
      <PageTitle title="Key pairs">Key pairs</PageTitle>
      {canChange ? <CreateKeyPair onCreated={() => void list.refetch()} /> : null}
      <ProviderFilter value={provider} onChange={setProvider} />
      <ErrorText error={list.error ?? remove.error} />
      <DataTable<KeyPair>
        caption="Key pairs"
        rows={rows}
        loading={list.isPending}
        empty="No key pairs."
        columns={[
          { label: 'Name', render: (k) => k.name },
          { label: 'Provider', render: (k) => providerName(k.providerId) },
          { label: 'Fingerprint', render: (k) => <span className="mono small">{k.fingerprint}</span> },
          { label: 'Tags', render: (k) => <TagList tags={k.tags} /> },
          { label: 'Created', render: (k) => <RelativeTime at={k.createdAt} /> },
          ...(canChange ? [{ label: 'Actions', render: (k: KeyPair) => <ConfirmButton question={`Delete ${k.name}?`} onConfirm={() => remove.mutate(k.id)}>Delete</ConfirmButton> }] : []),
        ]}
      />
      <Pager noun="key pairs" {...pager} />
    </section>
  );
}

function CreateKeyPair({ onCreated }: { readonly onCreated: () => void }) {
  const client = useClient();
  const [providerId, setProviderId] = useState('');
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const create = useMutation({
    mutationFn: () => client.keyPairs.create({ providerId, name: name.trim(), ...(publicKey.trim() === '' ? {} : { publicKey: publicKey.trim() }) }),
    onSuccess: () => {
      setName('');
      setPublicKey('');
      onCreated();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const error = create.error;
  const placed = ['providerId', 'name', 'publicKey'].some((f) => isAboutField(error, f));
  return (
    <details className="card create-panel">
      <summary>New key pair</summary>
      <form onSubmit={submit} noValidate aria-label="New key pair">
        <div className="filter-row">
          <Field label="Provider" error={isAboutField(error, 'providerId') ? error : undefined}>
            {(control) => <ProviderSelect control={control} value={providerId} onChange={setProviderId} />}
          </Field>
          <Field label="Name" error={isAboutField(error, 'name') ? error : undefined}>
            {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
        </div>
        <Field label="Public key (optional)" hint="Paste an OpenSSH public key to import it; leave empty to have the provider generate a pair." error={isAboutField(error, 'publicKey') ? error : undefined}>
          {(control) => <textarea {...control} rows={3} className="mono" value={publicKey} onChange={(e) => setPublicKey(e.target.value)} />}
        </Field>
        {placed ? null : <ErrorText error={error} />}
        <button type="submit" className="primary" disabled={create.isPending || providerId === '' || name.trim() === ''}>
          {publicKey.trim() === '' ? 'Generate' : 'Import'}
        </button>
      </form>
      {create.data === undefined ? null : <CreatedKey created={create.data} />}
    </details>
  );
}

/** The private key, once: the broker keeps no copy. */
function CreatedKey({ created }: { readonly created: CreatedKeyPairView }) {
  const [href, setHref] = useState<string>();
  useEffect(() => {
    if (created.privateKey === undefined) return;
    const url = URL.createObjectURL(new Blob([created.privateKey], { type: 'application/x-pem-file' }));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [created.privateKey]);
  if (created.privateKey === undefined) return <p role="status">Imported {created.keyPair.name}.</p>;
  return (
    <div className="secret" role="status">
      <p>
        <strong>{created.keyPair.name}</strong> was created. This is the only time its private key is shown: save it now.
      </p>
      <a className="button" href={href} download={`${created.keyPair.name}.pem`}>
        Download {created.keyPair.name}.pem
      </a>
      <pre className="console-output small" tabIndex={0} aria-label="Private key">
        {created.privateKey}
      </pre>
    </div>
  );
}
