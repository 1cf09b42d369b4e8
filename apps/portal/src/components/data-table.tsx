/** A plain table of rows with typed columns, for the resource pages. */
import type { ReactNode } from 'react';

export interface Column<T> {
  readonly label: string;
  readonly render: (row: T) => ReactNode;
  readonly numeric?: boolean;
}

export function DataTable<T extends { readonly id: string }>({
  caption,
  columns,
  rows,
  empty,
  loading = false,
  rowProps,
}: {
  readonly caption: string;
  readonly columns: readonly Column<T>[];
  readonly rows: readonly T[];
  readonly empty: string;
  readonly loading?: boolean;
  readonly rowProps?: (row: T) => Record<string, string | undefined>;
}) {
  return (
    <div className="table-scroll">
      <table className="data-table" aria-busy={loading}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.label} scope="col" className={column.numeric === true ? 'numeric' : undefined}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-id={row.id} {...rowProps?.(row)}>
              {columns.map((column) => (
                <td key={column.label} className={column.numeric === true ? 'numeric' : undefined}>
                  {column.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {loading && rows.length === 0 ? <p role="status">Loading…</p> : null}
      {!loading && rows.length === 0 ? <p className="empty">{empty}</p> : null}
    </div>
  );
}
