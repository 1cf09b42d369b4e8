/** Export an image or a stopped instance as an OVA: the operation's progress, then the file to download. */
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { Operation } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { ErrorText } from '../components/error-text.js';
import { Field } from '../components/field.js';
import { OperationLine } from '../components/operation-progress.js';
import { useOperation } from '../components/use-operation.js';
import { ExportDownload } from './export-download.js';

export function ExportOva({ kind, id, disabledReason }: { readonly kind: 'image' | 'instance'; readonly id: string; readonly disabledReason?: string }) {
  const client = useClient();
  const [ovfVersion, setOvfVersion] = useState<'1.0' | '2.0'>('1.0');
  const start = useMutation({ mutationFn: () => (kind === 'image' ? client.images.export(id, { ovfVersion }) : client.instances.export(id, { ovfVersion })) });
  return (
    <div>
      <div className="inline-form">
        <Field label="OVF version">
          {(control) => (
            <select {...control} value={ovfVersion} onChange={(e) => setOvfVersion(e.target.value as '1.0' | '2.0')}>
              <option value="1.0">1.0 (read by every tool)</option>
              <option value="2.0">2.0</option>
            </select>
          )}
        </Field>
        <button type="button" onClick={() => start.mutate()} disabled={start.isPending || disabledReason !== undefined}>
          Export as OVA
        </button>
      </div>
      {disabledReason === undefined ? null : <p className="hint">{disabledReason}</p>}
      <ErrorText error={start.error} />
      {start.data === undefined ? null : <ExportProgress key={start.data.id} operation={start.data} />}
    </div>
  );
}

/** An export operation while it runs, and its file once it has succeeded. */
export function ExportProgress({ operation }: { readonly operation: Operation }) {
  const current = useOperation(operation);
  return (
    <>
      <OperationLine operation={current} />
      {current.status === 'succeeded' ? <ExportDownload operation={current} /> : null}
    </>
  );
}
