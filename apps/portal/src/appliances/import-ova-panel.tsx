/** Upload an OVA into a provider that imports images, with the upload's and then the import's progress. */
import { useRef, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useProviders } from '../api/use-catalogue.js';
import { isAboutField } from '../api/errors.js';
import { useSession } from '../session/session-provider.js';
import { Field } from '../components/field.js';
import { ErrorText } from '../components/error-text.js';
import { OperationProgress } from '../components/operation-progress.js';
import { formatBytes } from '../components/format-bytes.js';
import { uploadOva } from './upload-ova.js';

export function ImportOvaPanel() {
  const { token } = useSession();
  const { data: providers = [] } = useProviders();
  const importers = providers.filter((p) => p.capabilities.imageImport !== undefined);
  const [provider, setProvider] = useState('');
  const [name, setName] = useState('');
  const [lax, setLax] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [sent, setSent] = useState<{ bytes: number; total: number } | null>(null);
  const abort = useRef<AbortController | null>(null);

  const upload = useMutation({
    mutationFn: (ova: File) => {
      abort.current = new AbortController();
      return uploadOva({ provider, name: name.trim(), fileName: ova.name, ...(lax ? { lax } : {}) }, ova, {
        token,
        onProgress: (bytes, total) => setSent({ bytes, total }),
        signal: abort.current.signal,
      });
    },
    onSettled: () => setSent(null),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (file !== null) upload.mutate(file);
  };
  const about = (field: string) => (isAboutField(upload.error, field) ? upload.error : undefined);
  const placed = ['provider', 'name', 'fileName', 'lax'].some((f) => isAboutField(upload.error, f));

  return (
    <details className="card create-panel">
      <summary>Import an OVA</summary>
      <form onSubmit={submit} noValidate aria-label="Import an OVA">
        <div className="filter-row">
          <Field label="Into provider" error={about('provider')} hint={importers.length === 0 ? 'No provider here imports images.' : undefined}>
            {(control) => (
              <select {...control} value={provider} onChange={(e) => setProvider(e.target.value)}>
                <option value="">Choose a provider…</option>
                {importers.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="OVA file">
            {(control) => (
              <input
                {...control}
                type="file"
                accept=".ova,application/x-tar"
                onChange={(e) => {
                  const chosen = e.target.files?.[0] ?? null;
                  setFile(chosen);
                  if (chosen !== null && name === '') setName(chosen.name.replace(/\.ova$/i, '').toLowerCase().replace(/[^a-z0-9.-]+/g, '-'));
                }}
              />
            )}
          </Field>
          <Field label="Image name" error={about('name')}>
            {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
        </div>
        <label className="check">
          <input type="checkbox" checked={lax} onChange={(e) => setLax(e.target.checked)} /> Lax: accept what only a target or an extension objects to, as warnings
        </label>
        {placed ? null : <ErrorText error={upload.error} />}
        <div className="button-row">
          <button type="submit" className="primary" disabled={upload.isPending || file === null || provider === '' || name.trim() === ''}>
            Upload and import
          </button>
          {upload.isPending ? (
            <button type="button" onClick={() => abort.current?.abort()}>
              Cancel upload
            </button>
          ) : null}
        </div>
        {sent === null ? null : (
          <div className="operation" role="status">
            <div className="operation-head">
              Uploading {file?.name}: {formatBytes(sent.bytes)} of {formatBytes(sent.total)}
            </div>
            <progress max={sent.total} value={sent.bytes} aria-label="Upload progress" />
          </div>
        )}
      </form>
      {upload.data === undefined ? null : <OperationProgress key={upload.data.id} operation={upload.data} />}
    </details>
  );
}
