/** Provider, state, name and tag filters of the inventory, and the page size. */
import { useState } from 'react';
import { INSTANCE_STATES, type InstanceState } from '@skyport/model';
import { isAboutField } from '../api/errors.js';
import { Field } from '../components/field.js';
import { ProviderSelect } from '../components/provider-select.js';
import { useDebouncedCallback } from '../components/use-debounced-callback.js';
import { PAGE_SIZES, type InstanceFilters } from './instance-filters.js';

export function FilterBar({ filters, onChange, error }: { readonly filters: InstanceFilters; readonly onChange: (change: Partial<InstanceFilters>) => void; readonly error: unknown }) {
  // Text is kept here while typing and sent once typing pauses, not on every key.
  const [name, setName] = useState(filters.name);
  const [tag, setTag] = useState(filters.tag);
  const sendName = useDebouncedCallback((value: string) => onChange({ name: value }));
  const sendTag = useDebouncedCallback((value: string) => onChange({ tag: value }));
  const toggleState = (state: InstanceState, on: boolean) =>
    onChange({ states: on ? [...filters.states, state] : filters.states.filter((s) => s !== state) });

  return (
    <form className="filter-bar" role="search" aria-label="Filter instances" onSubmit={(e) => e.preventDefault()}>
      <div className="filter-row">
        <Field label="Provider">{(control) => <ProviderSelect control={control} value={filters.provider} anyLabel="All providers" onChange={(provider) => onChange({ provider })} />}</Field>
        <Field label="Name starts with" error={fieldOf(error, 'name')}>
          {(control) => (
            <input
              {...control}
              type="search"
              value={name}
              placeholder="web-"
              onChange={(e) => {
                setName(e.target.value);
                sendName(e.target.value);
              }}
            />
          )}
        </Field>
        <Field label="Tags" hint="key=value or key; commas between (all must match)" error={fieldOf(error, 'tag')}>
          {(control) => (
            <input
              {...control}
              type="search"
              value={tag}
              placeholder="env=prod"
              onChange={(e) => {
                setTag(e.target.value);
                sendTag(e.target.value);
              }}
            />
          )}
        </Field>
        <Field label="Per page">
          {(control) => (
            <select {...control} value={filters.pageSize} onChange={(e) => onChange({ pageSize: Number(e.target.value) })}>
              {PAGE_SIZES.map((size) => (
                <option key={size} value={size}>
                  {size}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <fieldset className="state-filter">
        <legend>State</legend>
        {INSTANCE_STATES.map((state) => (
          <label key={state} className="check chip">
            <input type="checkbox" checked={filters.states.includes(state)} onChange={(e) => toggleState(state, e.target.checked)} />
            {state}
          </label>
        ))}
      </fieldset>
    </form>
  );
}

/** The list's error when it is about this query parameter. */
function fieldOf(error: unknown, field: string): unknown {
  return isAboutField(error, field) ? error : undefined;
}
