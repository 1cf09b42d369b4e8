import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A page's heading, focused when the page opens so keyboard and screen-reader users land
 * on the new page rather than on the link they left; it also names the browser tab.
 */
export function PageTitle({ children, title, actions }: { readonly children: ReactNode; readonly title: string; readonly actions?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Skyport`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <div className="page-title">
      <h1 ref={heading} tabIndex={-1}>
        {children}
      </h1>
      {actions === undefined ? null : <div className="page-actions">{actions}</div>}
    </div>
  );
}
