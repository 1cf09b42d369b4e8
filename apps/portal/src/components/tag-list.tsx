import type { Tags } from '@skyport/model';

export function TagList({ tags }: { readonly tags: Tags | undefined }) {
  const entries = Object.entries(tags ?? {});
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="tags">
      {entries.map(([key, value]) => (
        <li key={key} className="tag">
          {value === '' ? key : `${key}=${value}`}
        </li>
      ))}
    </ul>
  );
}
