import { INSTANCE_COLUMNS } from './instance-columns.js';

/** A disclosure of checkboxes, one per column; the name and state columns always stay. */
export function ColumnChooser({ chosen, onToggle }: { readonly chosen: ReadonlySet<string>; readonly onToggle: (key: string, shown: boolean) => void }) {
  return (
    <details className="column-chooser">
      <summary>Columns</summary>
      <fieldset>
        <legend className="visually-hidden">Columns to show</legend>
        {INSTANCE_COLUMNS.filter((column) => column.fixed !== true).map((column) => (
          <label key={column.key} className="check">
            <input type="checkbox" checked={chosen.has(column.key)} onChange={(event) => onToggle(column.key, event.target.checked)} />
            {column.label}
          </label>
        ))}
      </fieldset>
    </details>
  );
}
