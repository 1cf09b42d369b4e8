import { useProviders } from '../api/use-catalogue.js';
import type { FieldControlProps } from './field.js';

/** A select of the user's providers by id; `anyLabel` adds a first "all providers" choice. */
export function ProviderSelect({
  value,
  onChange,
  anyLabel,
  control,
}: {
  readonly value: string;
  readonly onChange: (providerId: string) => void;
  readonly anyLabel?: string;
  readonly control: FieldControlProps;
}) {
  const { data: providers = [] } = useProviders();
  return (
    <select {...control} value={value} onChange={(event) => onChange(event.target.value)}>
      {anyLabel === undefined ? <option value="">Choose a provider…</option> : <option value="">{anyLabel}</option>}
      {providers.map((provider) => (
        <option key={provider.id} value={provider.id}>
          {provider.name}
          {provider.status === 'available' ? '' : ` (${provider.status})`}
        </option>
      ))}
    </select>
  );
}
