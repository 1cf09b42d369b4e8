import { SessionProvider, useSession } from './session/session-provider.js';
import { LoginPage } from './pages/login-page.js';
import { Shell } from './shell.js';

/** The portal: the login page until the broker knows the user, then the signed-in shell. */
export function App() {
  return (
    <SessionProvider>
      <Gate />
    </SessionProvider>
  );
}

function Gate() {
  const { status } = useSession();
  if (status === 'checking') {
    return (
      <p className="splash" role="status">
        Connecting to the broker…
      </p>
    );
  }
  return status === 'signed-in' ? <Shell /> : <LoginPage />;
}
