import { errorCode, errorMessage } from '../api/errors.js';

/** An API error as the API worded it; `role="alert"` so screen readers announce it. */
export function ErrorText({ error, id }: { readonly error: unknown; readonly id?: string }) {
  if (error === null || error === undefined) return null;
  const code = errorCode(error);
  return (
    <p className="error-text" role="alert" id={id}>
      {code === undefined ? null : <span className="error-code">{code}</span>}
      {errorMessage(error)}
    </p>
  );
}
