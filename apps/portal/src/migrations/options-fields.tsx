/** A plan's options: how the source is copied, boot verification, parallelism, failure and finalize policies. */
import type { MigrationOptions } from '@skyport/model';
import { isAboutField } from '../api/errors.js';
import { Field } from '../components/field.js';

export function OptionsFields({ options, onChange, error }: { readonly options: MigrationOptions; readonly onChange: (options: MigrationOptions) => void; readonly error: unknown }) {
  const set = (change: Partial<MigrationOptions>) => onChange({ ...options, ...change });
  const about = (field: string) => (isAboutField(error, `options/${field}`) || isAboutField(error, `options.${field}`) ? error : undefined);
  return (
    <fieldset className="plain-fieldset">
      <legend>Options</legend>
      <div className="filter-row">
        <Field label="Copy the source by" error={about('sourceMode')}>
          {(control) => (
            <select {...control} value={options.sourceMode} onChange={(e) => set({ sourceMode: e.target.value as MigrationOptions['sourceMode'] })}>
              <option value="stop">stopping it (consistent disk)</option>
              <option value="snapshot">an image while it runs (stopped at cut-over)</option>
            </select>
          )}
        </Field>
        <Field label="VMs at once" error={about('maxParallel')}>
          {(control) => <input {...control} inputMode="numeric" size={4} value={String(options.maxParallel)} onChange={(e) => set({ maxParallel: Number(e.target.value) })} />}
        </Field>
        <Field label="After finalize, the sources are" error={about('sourceAfterFinalize')}>
          {(control) => (
            <select {...control} value={options.sourceAfterFinalize} onChange={(e) => set({ sourceAfterFinalize: e.target.value as MigrationOptions['sourceAfterFinalize'] })}>
              <option value="keep">kept (stopped)</option>
              <option value="delete">deleted</option>
            </select>
          )}
        </Field>
      </div>
      <label className="check">
        <input type="checkbox" checked={options.verifyBoot} onChange={(e) => set({ verifyBoot: e.target.checked })} /> Wait for the target to boot before cutting over
      </label>
      <label className="check">
        <input type="checkbox" checked={options.rollbackOnFailure} onChange={(e) => set({ rollbackOnFailure: e.target.checked })} /> Roll a failed VM back at once (else it waits for retry or rollback)
      </label>
    </fieldset>
  );
}
