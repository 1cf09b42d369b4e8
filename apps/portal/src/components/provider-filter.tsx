import { Field } from './field.js';
import { ProviderSelect } from './provider-select.js';

/** The "which provider" filter above a resource list. */
export function ProviderFilter({ value, onChange }: { readonly value: string; readonly onChange: (providerId: string) => void }) {
  return (
    <div className="filter-bar filter-row" role="search">
      <Field label="Provider">{(control) => <ProviderSelect control={control} value={value} anyLabel="All providers" onChange={onChange} />}</Field>
    </div>
  );
}
