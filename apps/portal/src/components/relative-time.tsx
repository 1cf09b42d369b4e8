import { useNow } from './use-now.js';

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** "12 s ago", kept current, with the exact time in the element for hover and screen readers. */
export function RelativeTime({ at, never = 'never' }: { readonly at: string | undefined; readonly never?: string }) {
  const now = useNow();
  if (at === undefined) return <span className="muted">{never}</span>;
  const time = new Date(at);
  return (
    <time dateTime={at} title={time.toLocaleString()}>
      {ago(Math.max(0, now - time.getTime()))}
    </time>
  );
}
