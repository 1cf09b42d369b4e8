export interface PagerProps {
  readonly page: number;
  readonly hasNext: boolean;
  readonly onPrevious: () => void;
  readonly onNext: () => void;
  readonly busy?: boolean;
  /** e.g. "instances", for the accessible name of the navigation. */
  readonly noun: string;
  readonly summary?: string;
}

/** Previous / Next over cursor pages (the API pages by cursor, so there is no "jump to page 40"). */
export function Pager({ page, hasNext, onPrevious, onNext, busy = false, noun, summary }: PagerProps) {
  return (
    <nav className="pager" aria-label={`Pages of ${noun}`}>
      <button type="button" onClick={onPrevious} disabled={page <= 1}>
        ← Previous
      </button>
      <span className="pager-page" aria-live="polite">
        Page {page}
        {summary === undefined ? '' : ` · ${summary}`}
        {busy ? ' · loading…' : ''}
      </span>
      <button type="button" onClick={onNext} disabled={!hasNext}>
        Next →
      </button>
    </nav>
  );
}
