/** The signed-in frame: header with the live indicator and the user, navigation, the page. */
import { useLiveEvents, type LiveStatus } from './api/use-live-events.js';
import { useSession, useRights } from './session/session-provider.js';
import { Link, useLocation } from './router/router.js';
import { NAVIGATION, isCurrent, pageFor } from './routes.js';

const LIVE_TEXT: Readonly<Record<LiveStatus, string>> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

export function Shell() {
  const live = useLiveEvents();
  const { principal, signOut } = useSession();
  const { isAdmin } = useRights();
  const { path } = useLocation();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Skyport
        </Link>
        <span className={`live live-${live}`} role="status" data-live={live} title="Changes made anywhere (CLI, API, EC2) appear here as they happen">
          {LIVE_TEXT[live]}
        </span>
        <span className="user">
          {principal?.userName} <span className="muted">· {principal?.role}</span>
        </span>
        <button type="button" className="quiet" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {NAVIGATION.filter((entry) => entry.adminOnly !== true || isAdmin).map((entry) => (
            <li key={entry.path}>
              <Link to={entry.path} aria-current={isCurrent(entry, path) ? 'page' : undefined}>
                {entry.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content">
        {pageFor(path)}
      </main>
    </div>
  );
}
