/** Sign in with a user name and password (a cookie session) or with an API token. */
import { useEffect, useState, type FormEvent } from 'react';
import { useSession } from '../session/session-provider.js';
import { Field } from '../components/field.js';
import { isAboutField } from '../api/errors.js';
import { ErrorText } from '../components/error-text.js';

export function LoginPage() {
  const { signInWithPassword, signInWithToken, notice } = useSession();
  const [userName, setUserName] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [passwordError, setPasswordError] = useState<unknown>(null);
  const [tokenError, setTokenError] = useState<unknown>(null);

  useEffect(() => {
    document.title = 'Sign in · Skyport';
  }, []);

  const run = async (event: FormEvent, action: () => Promise<void>, onError: (error: unknown) => void) => {
    event.preventDefault();
    setBusy(true);
    try {
      await action();
    } catch (error) {
      onError(error);
      setBusy(false);
    }
  };

  // Errors about one field show under it; others (wrong password, rate limit) under the form.
  const general = (error: unknown, ...fields: string[]) => (fields.some((f) => isAboutField(error, f)) ? null : error);

  return (
    <main className="login" id="main">
      <div className="login-card">
        <h1>
          <span className="brand-mark" aria-hidden="true" /> Skyport
        </h1>
        <p className="muted">Every cloud in one view.</p>
        {notice === undefined ? null : (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <form onSubmit={(e) => void run(e, () => signInWithPassword(userName, password), setPasswordError)} aria-label="Sign in with a password" noValidate>
          <Field label="User name" error={isAboutField(passwordError, 'userName') ? passwordError : undefined}>
            {(control) => <input {...control} name="userName" autoComplete="username" autoFocus value={userName} onChange={(e) => setUserName(e.target.value)} />}
          </Field>
          <Field label="Password" error={isAboutField(passwordError, 'password') ? passwordError : undefined}>
            {(control) => <input {...control} name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />}
          </Field>
          <ErrorText error={general(passwordError, 'userName', 'password')} />
          <button type="submit" className="primary" disabled={busy}>
            Sign in
          </button>
        </form>
        <details className="token-login">
          <summary>Use an API token instead</summary>
          <form onSubmit={(e) => void run(e, () => signInWithToken(token.trim()), setTokenError)} aria-label="Sign in with an API token" noValidate>
            <Field label="API token" hint="The broker prints an admin token at first start and writes it to <data dir>/admin-token." error={tokenError}>
              {(control) => <input {...control} name="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />}
            </Field>
            <button type="submit" disabled={busy || token.trim() === ''}>
              Sign in with token
            </button>
          </form>
        </details>
      </div>
    </main>
  );
}
